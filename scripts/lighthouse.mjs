#!/usr/bin/env node
// Lighthouse's accessibility and best-practices audits on every voter page, as a paired tablet reaches them.
//
//   CHROME_PATH=/usr/bin/chromium node scripts/lighthouse.mjs [--pages welcome,ballot] [--language ar]
//       [--contrast dark] [--json scores.json] [--min 100] [--python .venv/bin/python]
//
// Starts `vallokal demo` (station and office, with speech) in a scratch folder with the station's own-screen
// shortcut off, so the browser pairs as a tablet does, through the one-time pairing page. Then walks one
// voter's session in Debian's Chromium through puppeteer-core (no browser download) and runs Lighthouse's
// navigation audits on each page as it is reached: welcome, help, eligibility, ballot, a project's page,
// review, receipt; then counts and publishes at the office and audits the public results. Prints a table
// and each failing audit; exits 1 when a score is below --min (100 unless told). The scores are recorded
// in docs/accessibility.md.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const PAGES = ["welcome", "help", "eligibility", "ballot", "project", "review", "receipt", "results"];
const CATEGORIES = ["accessibility", "best-practices"];

const { values: options } = parseArgs({
  options: {
    pages: { type: "string", default: PAGES.join(",") },
    language: { type: "string", default: "sv" },
    contrast: { type: "string", default: "default" },
    json: { type: "string" },
    min: { type: "string", default: "100" },
    python: { type: "string", default: existsSync(join(HERE, ".venv/bin/python")) ? join(HERE, ".venv/bin/python") : "python3" },
  },
});
const wanted = options.pages.split(",").map((name) => name.trim()).filter(Boolean);
const unknown = wanted.filter((name) => !PAGES.includes(name));
if (unknown.length) {
  console.error(`unknown page ${unknown.join(", ")}; the pages are ${PAGES.join(", ")}`);
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** `vallokal demo` in a scratch folder; resolves with what it printed once it serves. */
async function startDemo(folder) {
  const [stationPort, officePort] = [await freePort(), await freePort()];
  const demo = spawn(options.python, ["-m", "vallokal", "demo", "--data", join(folder, "demo"), "--port", String(stationPort), "--office-port", String(officePort)], {
    env: { ...process.env, VALLOKAL_SCREEN_ON_LOOPBACK: "false" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const printed = await new Promise((resolve, reject) => {
    let text = "";
    demo.stdout.setEncoding("utf8");
    demo.stdout.on("data", (chunk) => {
      text += chunk;
      if (text.includes("Press Ctrl+C")) resolve(text);
    });
    demo.on("exit", (code) => reject(new Error(`vallokal demo stopped (exit ${code}) before serving:\n${text}`)));
  });
  const station = `http://127.0.0.1:${stationPort}`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(station + "/healthz")).ok) break;
    } catch (error) {
      if (tries > 120) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const clerks = [...printed.matchAll(/clerk (\S+), password '([^']+)'/g)].map(([, name, password]) => ({ name, password }));
  return {
    demo,
    station,
    office: `http://127.0.0.1:${officePort}`,
    pairing: printed.match(/Pair a tablet: (\S+)/)[1],
    clerks,
    passphrase: printed.match(/passphrase \(to count at the office\) is '([^']+)'/)[1],
  };
}

async function audit(page, url) {
  const { lhr } = await lighthouse(url, { onlyCategories: CATEGORIES, logLevel: "error", throttlingMethod: "provided", output: "json" }, undefined, page);
  const failing = [];
  for (const id of CATEGORIES) {
    for (const reference of lhr.categories[id].auditRefs) {
      const result = lhr.audits[reference.id];
      if (result.score !== null && result.score < 1 && reference.weight > 0) {
        const items = (result.details?.items ?? []).slice(0, 3).map((item) => item.node?.snippet ?? item.source?.url ?? item.description ?? item.url ?? "");
        failing.push({ category: id, id: reference.id, title: result.title, items });
      }
    }
  }
  return { url, final: lhr.finalDisplayedUrl, scores: Object.fromEntries(CATEGORIES.map((id) => [id, Math.round(lhr.categories[id].score * 100)])), failing };
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

async function walk(demo, browser, results) {
  const tablet = await browser.newPage();
  await tablet.goto(demo.pairing);
  await submit(tablet, "main form button[type=submit]");
  if (options.language !== "sv" || options.contrast !== "default") {
    await tablet.evaluate(async (language, contrast) => {
      const token = document.querySelector("input[name=csrf_token]").value;
      await fetch("/settings", { method: "POST", body: new URLSearchParams({ csrf_token: token, language, contrast, text_size: "normal", next: "/" }) });
    }, options.language, options.contrast);
  }
  const station = demo.station;
  const at = async (name, path) => {
    if (wanted.includes(name)) {
      results[name] = await audit(tablet, station + path);
      report(name, results[name]);
    } else {
      await tablet.goto(station + path);
    }
  };
  await at("welcome", "/");
  await at("help", "/help");
  await tablet.goto(station + "/");
  await submit(tablet, "form.start button");
  await at("eligibility", "/eligibility");
  await tablet.click("#confirm");
  await submit(tablet, "main form button[type=submit]");
  await at("ballot", "/ballot");
  await tablet.click("#choose-bankar");
  await tablet.click("#choose-odling");
  await submit(tablet, "button[name=more][value=bankar]");
  await at("project", "/project/bankar");
  await tablet.goto(station + "/ballot");
  await submit(tablet, "button[value=review]");
  await at("review", "/review");
  await submit(tablet, "form.cast-form button");
  await at("receipt", "/receipt");
  if (wanted.includes("results")) {
    results.results = await publishAndAudit(demo, browser);
    report("results", results.results);
  }
}

/** A clerk counts the demo's ballots (the one just cast among them), a second approves publishing; then a stranger's browser audits the results. */
async function publishAndAudit(demo, browser) {
  const [clerk, second] = demo.clerks;
  const context = await browser.createBrowserContext();
  const office = await context.newPage();
  await office.goto(demo.office + "/login");
  await office.type("#username", clerk.name);
  await office.type("#password", clerk.password);
  await submit(office, "main form button[type=submit]");
  for (let tries = 0; tries < 120 && !(await office.content()).includes("Mottagna röster per timme"); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await office.reload();
  }
  await office.goto(demo.office + "/counts");
  await office.type("#passphrase", demo.passphrase);
  await submit(office, "form[action='/counts'] button");
  for (let tries = 0; tries < 240 && !/\/counts\/\d+\/$/.test(new URL(office.url()).pathname); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await office.goto(demo.office + "/counts");
  const form = "form[action$='/publish']";
  await office.type(`${form} input[name=second_user]`, second.name);
  await office.type(`${form} input[name=second_password]`, second.password);
  await submit(office, `${form} button`);
  await context.close();
  const stranger = await browser.createBrowserContext();
  const result = await audit(await stranger.newPage(), demo.office + "/results/");
  await stranger.close();
  return result;
}

function report(name, result) {
  const scores = CATEGORIES.map((id) => `${id} ${result.scores[id]}`).join(", ");
  console.log(`${name.padEnd(12)} ${scores}  ${result.url}`);
  for (const failure of result.failing) {
    console.log(`    ${failure.category}: ${failure.id}: ${failure.title}${failure.items.length ? "\n      " + failure.items.join("\n      ") : ""}`);
  }
}

const folder = mkdtempSync(join(tmpdir(), "vallokal-lighthouse-"));
let demo;
let browser;
const results = {};
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    demo?.demo.kill("SIGTERM");
    rmSync(folder, { recursive: true, force: true });
    process.exit(130);
  });
}
try {
  demo = await startDemo(folder);
  browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const version = JSON.parse(readFileSync(join(HERE, "node_modules", "lighthouse", "package.json"), "utf8")).version;
  console.log(`Lighthouse ${version} on ${await browser.version()}, language ${options.language}, contrast ${options.contrast}`);
  await walk(demo, browser, results);
} finally {
  await browser?.close();
  if (demo) {
    demo.demo.kill("SIGTERM");
    await new Promise((resolve) => (demo.demo.exitCode !== null ? resolve() : demo.demo.on("exit", resolve)));
  }
  rmSync(folder, { recursive: true, force: true });
}
if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2) + "\n");
const below = Object.entries(results).filter(([, result]) => CATEGORIES.some((id) => result.scores[id] < Number(options.min)));
if (below.length) {
  console.log(`below ${options.min}: ${below.map(([name]) => name).join(", ")}`);
  process.exit(1);
}
