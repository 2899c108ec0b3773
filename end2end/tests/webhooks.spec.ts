import { test, expect } from "@playwright/test";
import { hydrated, shot, signIn } from "./helpers";

// Issue 14.4: superusers manage webhook endpoints in the web app. 192.0.2.1 (TEST-NET-1) is a
// public address, so the server accepts it without a DNS lookup; nothing listens there.
test("an admin adds a webhook, sees its secret once, rotates it and turns it off", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/webhooks");
  await hydrated(page);

  // A private address is refused, next to the field.
  await page.getByLabel("URL").fill("http://127.0.0.1:9/hook");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await expect(page.locator("#url-error")).toContainText("HELPDESK_WEBHOOK_ALLOW_PRIVATE");

  const url = `http://192.0.2.1/hook-${Date.now()}`;
  await page.getByLabel("URL").fill(url);
  await page.getByLabel("Events").fill("ticket.created, followup.created");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await expect(page.getByRole("status")).toContainText("Copy the secret now");
  const secret = (await page.locator("code.secret").textContent()) ?? "";
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  await shot(page, "admin-webhooks");

  await page.getByRole("link", { name: url }).click();
  await expect(page.getByRole("heading", { name: `Webhook ${url}` })).toBeVisible();
  await hydrated(page);
  // The page shows only the start of the secret.
  await expect(page.locator("body")).not.toContainText(secret);
  await page.getByRole("button", { name: "Rotate the secret" }).click();
  const rotated = (await page.locator("code.secret").textContent()) ?? "";
  expect(rotated).toMatch(/^whsec_/);
  expect(rotated).not.toBe(secret);

  await page.getByLabel("Active").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(page.getByText("Off", { exact: true })).toBeVisible();
});
