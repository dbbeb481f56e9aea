// Drives Debian's headless Chromium (via playwright-core, no downloaded browser) over the
// operator's web view as served over HTTP, and prints what it saw as one JSON line for the JUnit
// test to judge.
//
//   node web-check.mjs check <jobPageUrl> <linkText> <frameToClick> <screenshotDir>
//   node web-check.mjs bench <flameGraphUrl> <runs>
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
// Offline, quiet, reproducible: nothing may reach the network or the user's profile.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const VIEWPORT = { width: 1280, height: 900 };
const TIMEOUT_MS = 60000;

async function withBrowser(origin, work) {
  const profile = mkdtempSync(join(tmpdir(), "operator-web-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: VIEWPORT, timeout: TIMEOUT_MS,
    // The web view needs a Kubernetes bearer token, as a proxy in front of it would forward.
    extraHTTPHeaders: process.env.WEB_AUTHORIZATION ? { Authorization: process.env.WEB_AUTHORIZATION } : {},
  });
  // The pages must need nothing but the operator: any request elsewhere is reported.
  const external = [];
  context.on("request", (request) => {
    if (!request.url().startsWith(origin)) { external.push(request.url()); }
  });
  try {
    return await work(context, external);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

function watch(page) {
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => { if (message.type() === "error") { errors.push(message.text()); } });
  return errors;
}

function frameSelector(name) {
  return `#flame g.frame[data-name=${JSON.stringify(name)}]`;
}

async function flameSnapshot(page) {
  return page.evaluate(() => {
    const svg = document.getElementById("flame");
    const frames = {};
    for (const g of svg.querySelectorAll("g.frame")) {
      frames[g.getAttribute("data-name")] = { width: Number(g.querySelector("rect").getAttribute("width")),
        ancestor: g.classList.contains("ancestor") };
    }
    return { zoom: svg.getAttribute("data-zoom"), svgWidth: svg.clientWidth, kind: document.body.dataset.kind,
      title: document.getElementById("title").textContent, subtitle: document.getElementById("subtitle").textContent,
      frames };
  });
}

async function check(jobUrl, linkText, frameToClick, screenshotDir) {
  return withBrowser(new URL(jobUrl).origin, async (context, external) => {
    const page = await context.newPage();
    const errors = watch(page);
    const response = await page.goto(jobUrl, { waitUntil: "load", timeout: TIMEOUT_MS });
    const job = await page.evaluate(() => ({
      heading: document.querySelector("h1").textContent,
      points: document.querySelectorAll("#cpu-chart circle").length,
      lines: [...document.querySelectorAll("#cpu-chart g.series")].map((g) => g.getAttribute("data-application")),
      legend: [...document.querySelectorAll("#legend li")].map((li) => li.textContent),
      rows: document.querySelectorAll("#slices tbody tr").length,
    }));
    job.status = response.status();
    await page.screenshot({ path: join(screenshotDir, "job-page.png"), fullPage: true });

    // Follow the first link with this text (the newest slice's first node), as a user would.
    await Promise.all([page.waitForURL((url) => url.href !== jobUrl, { timeout: TIMEOUT_MS }),
      page.getByRole("link", { name: linkText, exact: true }).first().click()]);
    await page.waitForSelector("body[data-ready=true]", { timeout: TIMEOUT_MS });
    const flameUrl = page.url();
    const before = await flameSnapshot(page);
    await page.click(frameSelector(frameToClick));
    const zoomed = await flameSnapshot(page);
    await page.screenshot({ path: join(screenshotDir, "zoomed-flame-graph.png"), fullPage: true });
    return { job, flameUrl, before, zoomed, errors, external };
  });
}

async function bench(url, runs) {
  return withBrowser(new URL(url).origin, async (context, external) => {
    const readyMs = [];
    const serverMs = [];
    const bytes = [];
    let frames = 0;
    for (let i = 0; i < runs; i++) {
      const page = await context.newPage();
      const errors = watch(page);
      await page.goto(url, { waitUntil: "load", timeout: TIMEOUT_MS });
      await page.waitForSelector("body[data-ready=true]", { timeout: TIMEOUT_MS });
      if (errors.length > 0) { throw new Error("page errors: " + errors.join("; ")); }
      readyMs.push(Number(await page.getAttribute("body", "data-ready-ms")));
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        return { server: nav.responseStart - nav.requestStart, bytes: nav.transferSize };
      });
      serverMs.push(timing.server);
      bytes.push(timing.bytes);
      frames = Number(await page.getAttribute("#flame", "data-frames"));
      await page.close();
    }
    return { readyMs, serverMs, bytes, frames, external };
  });
}

const [mode, ...args] = process.argv.slice(2);
try {
  let result;
  if (mode === "check" && args.length === 4) {
    result = await check(args[0], args[1], args[2], args[3]);
  } else if (mode === "bench" && args.length === 2) {
    result = await bench(args[0], Number(args[1]));
  } else {
    throw new Error("usage: check <jobUrl> <linkText> <frame> <screenshotDir> | bench <flameGraphUrl> <runs>");
  }
  console.log(JSON.stringify(result));
} catch (error) {
  console.error("web-check: " + String(error && error.message || error).split("\n")[0]);
  process.exit(1);
}
