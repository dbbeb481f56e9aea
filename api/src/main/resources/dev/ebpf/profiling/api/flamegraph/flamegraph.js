// Interactive flame graph, inlined by HtmlFlameGraph into a self-contained page (no network).
// Reads the tree from <script id="flame-data">, draws it into <svg id="flame">, root at the
// bottom. Click a frame to zoom into it; type a regular expression to highlight matches; Reset
// (or Escape) zooms out. State for tests and users: svg data-zoom names the zoomed frame, each
// frame's <g> carries data-name.
(function () {
  "use strict";
  var FRAME_HEIGHT = 16, CHAR_WIDTH = 7, TEXT_INSET = 3, MIN_FRAME_PX = 0.5, SIDE_PAD = 10, BOTTOM_PAD = 4;
  var SVG_NS = "http://www.w3.org/2000/svg";

  var data = JSON.parse(document.getElementById("flame-data").textContent);
  var svg = document.getElementById("flame");
  var tooltip = document.getElementById("tooltip");
  var details = document.getElementById("details");
  var search = document.getElementById("search");
  var matched = document.getElementById("matched");
  var resetButton = document.getElementById("reset");

  // Node: {name, color, samples, children, parent, depth}. Built iteratively: stacks can be deep.
  function buildTree(encoded, names, colors) {
    var root = {name: names[encoded[0]], color: colors[encoded[0]], samples: encoded[1], children: [], parent: null,
      depth: 0};
    var work = [[encoded, root]];
    var maxDepth = 0;
    while (work.length > 0) {
      var item = work.pop(), kids = item[0][2], node = item[1];
      for (var i = 0; i < kids.length; i++) {
        var child = {name: names[kids[i][0]], color: colors[kids[i][0]], samples: kids[i][1], children: [],
          parent: node, depth: node.depth + 1};
        node.children.push(child);
        if (child.depth > maxDepth) { maxDepth = child.depth; }
        work.push([kids[i], child]);
      }
    }
    root.maxDepth = maxDepth;
    return root;
  }

  var root = buildTree(data.root, data.names, data.colors);
  var total = Math.max(1, root.samples);
  var zoomed = root;
  var searchPattern = null;
  var drawn = [];  // the nodes drawn, indexed by each <g>'s data-index

  function percent(part, whole) {
    return (100 * part / whole).toFixed(2) + "%";
  }

  function describe(node) {
    var text = node.name + " \u2014 " + node.samples.toLocaleString("en-US") + " " + data.unit + ", "
        + percent(node.samples, total) + " of all";
    if (zoomed !== root && isWithin(node, zoomed)) {
      text += ", " + percent(node.samples, zoomed.samples) + " of " + zoomed.name;
    }
    return text;
  }

  function isWithin(node, ancestor) {
    for (var n = node; n !== null; n = n.parent) {
      if (n === ancestor) { return true; }
    }
    return false;
  }

  function label(name, width) {
    var chars = Math.floor((width - 2 * TEXT_INSET) / CHAR_WIDTH);
    if (chars < 3) { return ""; }
    return name.length <= chars ? name : name.slice(0, chars - 2) + "..";
  }

  function addFrame(fragment, node, x, width, height, cssClass) {
    var g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("class", cssClass);
    g.setAttribute("data-index", String(drawn.length));
    g.setAttribute("data-name", node.name);
    drawn.push(node);
    var y = height - BOTTOM_PAD - (node.depth + 1) * FRAME_HEIGHT;
    var rect = document.createElementNS(SVG_NS, "rect");
    rect.setAttribute("x", x.toFixed(2));
    rect.setAttribute("y", String(y));
    rect.setAttribute("width", width.toFixed(2));
    rect.setAttribute("height", String(FRAME_HEIGHT - 1));
    rect.setAttribute("rx", "2");
    rect.setAttribute("fill", node.color);
    g.appendChild(rect);
    var text = label(node.name, width);
    if (text) {
      var t = document.createElementNS(SVG_NS, "text");
      t.setAttribute("x", (x + TEXT_INSET).toFixed(2));
      t.setAttribute("y", String(y + FRAME_HEIGHT - 4));
      t.textContent = text;
      g.appendChild(t);
    }
    fragment.appendChild(g);
  }

  function render() {
    var width = Math.max(200, svg.clientWidth || data.width);
    var height = (root.maxDepth + 1) * FRAME_HEIGHT + BOTTOM_PAD;
    svg.setAttribute("height", String(height));
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    var drawable = width - 2 * SIDE_PAD;
    var fragment = document.createDocumentFragment();
    drawn = [];
    // The zoomed frame's callers keep the full width, dimmed, so the way back stays visible.
    for (var a = zoomed.parent; a !== null; a = a.parent) {
      addFrame(fragment, a, SIDE_PAD, drawable, height, "frame ancestor");
    }
    // A slice without samples draws nothing rather than dividing by zero.
    var scale = zoomed.samples > 0 ? drawable / zoomed.samples : 0;
    var work = [[zoomed, SIDE_PAD]];
    while (work.length > 0) {
      var item = work.pop(), node = item[0], x = item[1], w = node.samples * scale;
      if (w < MIN_FRAME_PX) { continue; }
      addFrame(fragment, node, x, w, height, "frame");
      var childX = x;
      for (var i = 0; i < node.children.length; i++) {
        work.push([node.children[i], childX]);
        childX += node.children[i].samples * scale;
      }
    }
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    svg.appendChild(fragment);
    svg.setAttribute("data-zoom", zoomed.name);
    svg.setAttribute("data-frames", String(drawn.length));
    resetButton.disabled = zoomed === root;
    highlight();
  }

  function zoom(node) {
    zoomed = node;
    render();
    details.textContent = zoomed === root ? "\u00a0" : "Zoomed into " + describe(zoomed);
  }

  // Marks drawn frames whose name matches; the matched share counts each sample once (a match
  // inside another match adds nothing).
  function highlight() {
    var groups = svg.querySelectorAll("g.frame");
    for (var i = 0; i < groups.length; i++) {
      var node = drawn[Number(groups[i].getAttribute("data-index"))];
      groups[i].classList.toggle("match", searchPattern !== null && searchPattern.test(node.name));
    }
    if (searchPattern === null) {
      matched.textContent = "";
      return;
    }
    var sum = 0, work = [root];
    while (work.length > 0) {
      var n = work.pop();
      if (searchPattern.test(n.name)) { sum += n.samples; continue; }
      for (var c = 0; c < n.children.length; c++) { work.push(n.children[c]); }
    }
    matched.textContent = "Matched: " + percent(sum, total);
  }

  function onSearch() {
    var text = search.value;
    search.classList.remove("invalid");
    if (text === "") {
      searchPattern = null;
    } else {
      try {
        searchPattern = new RegExp(text, "i");
      } catch (e) {
        search.classList.add("invalid");
        searchPattern = null;
        highlight();
        matched.textContent = "Invalid regular expression";
        return;
      }
    }
    highlight();
  }

  function frameOf(event) {
    var g = event.target.closest ? event.target.closest("g.frame") : null;
    return g === null ? null : drawn[Number(g.getAttribute("data-index"))];
  }

  svg.addEventListener("click", function (event) {
    var node = frameOf(event);
    if (node !== null) { zoom(node); }
  });
  svg.addEventListener("mousemove", function (event) {
    var node = frameOf(event);
    if (node === null) { tooltip.hidden = true; return; }
    tooltip.textContent = describe(node);
    tooltip.hidden = false;
    var left = Math.min(event.clientX + 12, window.innerWidth - tooltip.offsetWidth - 4);
    tooltip.style.left = Math.max(0, left) + "px";
    tooltip.style.top = (event.clientY + 16) + "px";
    details.textContent = describe(node);
  });
  svg.addEventListener("mouseleave", function () { tooltip.hidden = true; });
  resetButton.addEventListener("click", function () { zoom(root); });
  search.addEventListener("input", onSearch);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { zoom(root); }
  });
  window.addEventListener("resize", render);

  render();
  // How long the page took to be usable, from navigation start: the load-time benchmark reads it.
  document.body.setAttribute("data-ready-ms", performance.now().toFixed(1));
  document.body.setAttribute("data-ready", "true");
})();
