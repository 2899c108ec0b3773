// Issue 15, the public portal: a customer without an account submits at /submit, follows the
// ticket's link, replies; the agent sees the reply. Also without JavaScript, with the
// keyboard only, and on a 390 px phone.
import { APIRequestContext, expect, Page, test } from "@playwright/test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { api, hydrated, shot, signIn, unique } from "./helpers";

async function publicQueue(request: APIRequestContext) {
  const slug = unique("portal");
  return api(request, "queues", { title: `Support ${slug}`, slug, allow_public_submission: true });
}

/** The text of a mail as the SMTP server received it, its quoted-printable undone. */
function decoded(raw: string): string {
  return raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/** The mails the test SMTP server (serve.sh) received for `address`, decoded. */
function mailsTo(address: string): string[] {
  const folder = process.env.E2E_MAILDIR!;
  return readdirSync(folder)
    .filter((name) => name.endsWith(".eml"))
    .map((name) => decoded(readFileSync(join(folder, name), "latin1")))
    .filter((mail) => mail.split("\r\n\r\n")[0].split("\r\n").some((h) => h.startsWith("To:") && h.includes(address)));
}

async function noSideways(page: Page) {
  const [scroll, client] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
  ]);
  expect(scroll).toBeLessThanOrEqual(client);
}

test("a customer submits without signing in, follows the link, replies; the agent sees the reply", async ({ page, request }) => {
  const q = await publicQueue(request);
  const title = unique("Printer on fire ");
  await page.goto("/submit");
  await hydrated(page);
  await expect(page).toHaveTitle("Submit a ticket · Helpdesk");
  await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
  await page.getByLabel("Queue").selectOption({ label: q.title });
  const email = `${unique("pat")}@example.com`;
  await page.getByLabel("Your email address").fill(email);
  await page.getByLabel("Summary of the problem").fill(title);
  await page.getByLabel("Description").fill("Smoke comes out of tray 2.");
  await page.getByLabel("Attachments").setInputFiles({ name: "smoke.txt", mimeType: "text/plain", buffer: Buffer.from("smoke") });
  await shot(page, "portal-submit");
  await page.getByRole("button", { name: "Submit ticket" }).click();

  await expect(page).toHaveURL(/\/view\/\d+\?key=[0-9a-f]{32}/);
  await expect(page.getByRole("status")).toContainText("Your ticket was submitted");
  await expect(page.locator("h1")).toContainText(title);
  await expect(page.locator(".fields")).toContainText(q.title);
  await expect(page.getByRole("link", { name: "smoke.txt" })).toBeVisible();
  // The link the opened-ticket mail carries is the one this page shows.
  const link = (await page.locator("a.ticket-link").getAttribute("href"))!;
  expect(link).toMatch(/^\/view\/\d+\?key=[0-9a-f]{32}$/);
  const id = Number(link.match(/\/view\/(\d+)/)![1]);
  await shot(page, "portal-submitted");

  // The opened-ticket mail reaches the customer through the SMTP server, with that link.
  await expect.poll(() => mailsTo(email).length, { timeout: 20_000 }).toBeGreaterThan(0);
  const mail = mailsTo(email)[0];
  expect(mail).toContain(title);
  const mailed = mail.match(/https?:\/\/[^\s"<>]+\/view\/\d+\?key=[0-9a-f]{32}/);
  expect(mailed).not.toBeNull();
  expect(new URL(mailed![0]).pathname + new URL(mailed![0]).search).toBe(link);

  // Later, from the mailed link alone (a fresh browser: no cookie, no session).
  const customer = await page.context().browser()!.newContext();
  const later = await customer.newPage();
  await later.goto(mailed![0]);
  await hydrated(later);
  await later.getByLabel("Your reply").fill("It is still smoking, photo attached.");
  await later.getByLabel("Attachments").setInputFiles({ name: "photo.txt", mimeType: "text/plain", buffer: Buffer.from("pixels") });
  await later.getByRole("button", { name: "Send reply" }).click();
  await expect(later.getByRole("status")).toHaveText("Reply sent.");
  await expect(later.locator(".timeline")).toContainText("It is still smoking, photo attached.");
  await expect(later.getByRole("link", { name: "photo.txt" })).toBeVisible();
  const download = later.waitForEvent("download");
  await later.getByRole("link", { name: "photo.txt" }).click();
  expect((await download).suggestedFilename()).toBe("photo.txt");
  await customer.close();

  // The agent signs in and finds the reply on the ticket page.
  await signIn(page);
  await page.goto(`/tickets/${id}`);
  await expect(page.locator(".timeline")).toContainText("It is still smoking, photo attached.");
  await expect(page.locator(".timeline")).toContainText("photo.txt");
  await expect(page.locator(".fields")).toContainText(email);
});

test("without JavaScript: an error keeps what was typed, then the ticket is opened and closed", async ({ browser, request }) => {
  const q = await publicQueue(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const title = unique("No script ");
  await page.goto("/submit");
  await page.getByLabel("Queue").selectOption({ label: q.title });
  await page.getByLabel("Your email address").fill("not-an-address");
  await page.getByLabel("Summary of the problem").fill(title);
  await page.getByLabel("Description").fill("Typed once.");
  await page.getByRole("button", { name: "Submit ticket" }).click();
  await expect(page).toHaveURL(/\/submit\?/);
  await expect(page.locator("#email-error")).toHaveText("Enter a valid email address.");
  await expect(page.getByLabel("Summary of the problem")).toHaveValue(title);
  await expect(page.getByLabel("Description")).toHaveValue("Typed once.");
  await page.getByLabel("Your email address").fill("pat@example.com");
  await page.getByRole("button", { name: "Submit ticket" }).click();
  await expect(page).toHaveURL(/\/view\/\d+\?key=/);
  await expect(page.locator("h1")).toContainText(title);
  await page.getByRole("button", { name: "Close ticket" }).click();
  await expect(page.getByRole("status")).toHaveText("Ticket closed.");
  await expect(page.locator(".badges")).toContainText("Closed");
  await page.getByRole("button", { name: "Reopen ticket" }).click();
  await expect(page.getByRole("status")).toHaveText("Ticket reopened.");
  await expect(page.locator(".badges")).toContainText("Reopened");
  await context.close();
});

test("at 390 px with the keyboard only: submit, then the ticket page fits the screen", async ({ page, request }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const q = await publicQueue(request);
  await page.goto("/submit");
  await hydrated(page);
  await noSideways(page);
  await shot(page, "portal-submit-390");
  // Tab to the first field; the honeypot is never reached.
  const focused = () => page.evaluate(() => document.activeElement?.id ?? "");
  for (let i = 0; i < 15 && (await focused()) !== "queue"; i++) {
    await page.keyboard.press("Tab");
  }
  expect(await focused()).toBe("queue");
  // The public queues are listed; pick ours by typing the start of its title.
  await page.keyboard.type(q.title);
  await expect(page.getByLabel("Queue")).toHaveValue(String(q.id));
  const order: string[] = [];
  const title = unique("Keyboard ");
  for (const text of ["kim@example.com", title, "Typed with the keyboard only."]) {
    await page.keyboard.press("Tab");
    order.push(await focused());
    await page.keyboard.type(text);
  }
  expect(order).toEqual(["email", "title", "description"]);
  await page.keyboard.press("Tab");
  expect(await focused()).toBe("attachments");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Submit ticket" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/view\/\d+\?key=/);
  await expect(page.locator("h1")).toContainText(title);
  await expect(page.getByRole("status")).toBeFocused();
  await noSideways(page);
  await shot(page, "portal-view-390");
});
