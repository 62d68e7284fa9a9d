// axe-core in chromium, for the console tests that check pages' accessibility: WCAG 2.0/2.1 A and AA
// violations, and a page wider than its viewport.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

/**
 * Runs axe on the page as it stands. The console's CSP (script-src 'self') refuses an injected
 * <script>, so axe's source goes in through page.evaluate, which the DevTools protocol runs outside
 * the page's CSP: the page itself keeps its real policy.
 */
async function axeViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(`window.axe ? undefined : (() => { ${AXE}\n })()`);
  return page.evaluate(`axe.run(document, { runOnly: { type: "tag", values: ${JSON.stringify(TAGS)} }, resultTypes: ["violations"] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`);
}

/** A page is checked when it has drawn its data: its heading is there and nothing is still loading. */
export async function settled(page: Page, heading: string | RegExp): Promise<void> {
  await page.getByRole("heading", { name: heading }).first().waitFor();
  await page.locator(".state-loading").first().waitFor({ state: "detached" });
}

/** What is wrong with the page as it stands, each problem one text naming `what` (none: nothing). */
export async function pageProblems(page: Page, what: string): Promise<string[]> {
  const found: string[] = [];
  // Fits the viewport: wide tables scroll in their own box, the page itself never sideways.
  const overflow = (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
  if (overflow > 0) found.push(`${what}: the page is ${overflow}px wider than the viewport`);
  for (const v of await axeViolations(page)) {
    found.push(`${what}: ${v.id} (${v.impact}) ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`).join("\n")}`);
  }
  return found;
}
