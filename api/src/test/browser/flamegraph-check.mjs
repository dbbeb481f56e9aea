// Drives Debian's headless Chromium (via playwright-core, no downloaded browser) over a flame
// graph page rendered by HtmlFlameGraph, and prints what it saw as one JSON line for the JUnit
// test to judge.
//
//   node flamegraph-check.mjs check <page.html> <screenshot.png> <frameToClick> <searchRegex>
//   node flamegraph-check.mjs load <page.html>
//   node flamegraph-check.mjs bench <page.html> <runs>
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
// Offline, quiet, reproducible: nothing may reach the network or the user's profile.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const VIEWPORT = { width: 1280, height: 800 };
const TIMEOUT_MS = 30000;

async function withBrowser(work) {
  const profile = mkdtempSync(join(tmpdir(), "flamegraph-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: VIEWPORT, timeout: TIMEOUT_MS,
  });
  // The page must not need the network: any request other than the file itself fails the run.
  const external = [];
  context.on("request", (request) => {
    if (!request.url().startsWith("file:")) { external.push(request.url()); }
  });
  try {
    return await work(context, external);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function open(context, file) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => { if (message.type() === "error") { errors.push(message.text()); } });
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load", timeout: TIMEOUT_MS });
  await page.waitForSelector("body[data-ready=true]", { timeout: TIMEOUT_MS });
  return { page, errors };
}

function frameSelector(name) {
  return `#flame g.frame[data-name=${JSON.stringify(name)}]`;
}

async function frameBox(page, name) {
  return page.evaluate((selector) => {
    const g = document.querySelector(selector);
    if (g === null) { return null; }
    const rect = g.querySelector("rect");
    return { width: Number(rect.getAttribute("width")), x: Number(rect.getAttribute("x")),
      fill: rect.getAttribute("fill"), classes: g.getAttribute("class") };
  }, frameSelector(name));
}

async function snapshot(page) {
  return page.evaluate(() => {
    const svg = document.getElementById("flame");
    const frames = {};
    for (const g of svg.querySelectorAll("g.frame")) {
      const rect = g.querySelector("rect");
      frames[g.getAttribute("data-name")] = { width: Number(rect.getAttribute("width")),
        fill: rect.getAttribute("fill"), ancestor: g.classList.contains("ancestor"),
        match: g.classList.contains("match") };
    }
    return { zoom: svg.getAttribute("data-zoom"), svgWidth: svg.clientWidth, frames,
      matched: document.getElementById("matched").textContent,
      resetDisabled: document.getElementById("reset").disabled };
  });
}

async function check(file, screenshot, frameToClick, searchRegex) {
  return withBrowser(async (context, external) => {
    const { page, errors } = await open(context, file);
    const before = await snapshot(page);

    await page.hover(frameSelector(frameToClick));
    const tooltip = await page.evaluate(() => {
      const t = document.getElementById("tooltip");
      return { hidden: t.hidden, text: t.textContent };
    });

    await page.click(frameSelector(frameToClick));
    const zoomed = await snapshot(page);
    await page.screenshot({ path: screenshot, fullPage: true });

    await page.fill("#search", searchRegex);
    const searched = await snapshot(page);

    await page.click("#reset");
    const reset = await snapshot(page);
    return { before, tooltip, zoomed, searched, reset, errors, external };
  });
}

async function load(file) {
  return withBrowser(async (context, external) => {
    const { page, errors } = await open(context, file);
    const loaded = await snapshot(page);
    loaded.drawnFrames = Number(await page.getAttribute("#flame", "data-frames"));
    return { loaded, errors, external };
  });
}

async function bench(file, runs) {
  return withBrowser(async (context, external) => {
    const readyMs = [];
    let frames = 0;
    for (let i = 0; i < runs; i++) {
      const { page, errors } = await open(context, file);
      if (errors.length > 0) { throw new Error("page errors: " + errors.join("; ")); }
      readyMs.push(Number(await page.getAttribute("body", "data-ready-ms")));
      frames = Number(await page.getAttribute("#flame", "data-frames"));
      await page.close();
    }
    return { readyMs, frames, external };
  });
}

const [mode, ...args] = process.argv.slice(2);
try {
  let result;
  if (mode === "check" && args.length === 4) {
    result = await check(args[0], args[1], args[2], args[3]);
  } else if (mode === "load" && args.length === 1) {
    result = await load(args[0]);
  } else if (mode === "bench" && args.length === 2) {
    result = await bench(args[0], Number(args[1]));
  } else {
    throw new Error("usage: check <page> <screenshot> <frame> <regex> | load <page> | bench <page> <runs>");
  }
  console.log(JSON.stringify(result));
} catch (error) {
  console.error("flamegraph-check: " + String(error && error.message || error).split("\n")[0]);
  process.exit(1);
}
