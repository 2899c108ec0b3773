import { test, expect, APIRequestContext, Page } from "@playwright/test";
import { api, hydrated, signIn, unique } from "./helpers";

// Issue 11: after a submit the focus goes to the result, announced to screen readers: the
// banner (role=status) on success, the first field with an error when it failed.

async function activeElement(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { tag: el?.tagName, role: el?.getAttribute("role"), id: el?.id, text: el?.textContent?.trim() };
  });
}

async function aTicket(request: APIRequestContext) {
  const slug = unique("fq");
  const q = await api(request, "queues", { title: `Queue ${slug}`, slug });
  return api(request, "tickets", { queue: q.id, title: unique("Focus ") });
}

test("saving a ticket edit puts the focus on the 'Changes saved.' banner", async ({ page, request }) => {
  const t = await aTicket(request);
  await signIn(page);
  await page.goto(`/tickets/${t.id}/edit`);
  await hydrated(page);
  await page.getByLabel("Title").fill(unique("Edited "));
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status")).toHaveText("Changes saved.");
  await expect(page.getByRole("status")).toBeFocused();
  expect(await activeElement(page)).toMatchObject({ role: "status", text: "Changes saved." });
});

test("a failing edit puts the focus on the first field with an error", async ({ page, request }) => {
  const t = await aTicket(request);
  await signIn(page);
  await page.goto(`/tickets/${t.id}/edit`);
  await hydrated(page);
  await page.getByLabel("Submitter email").fill("not-an-email");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator("#submitter_email-error")).toBeVisible();
  await expect(page.getByLabel("Submitter email")).toBeFocused();
});

test("creating a user puts the focus on the banner; a taken name on the username", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/users");
  await hydrated(page);
  const name = unique("focus");
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password").fill("focus-pass-123");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status")).toHaveText(`User ${name} created.`);
  expect(await activeElement(page)).toMatchObject({ role: "status", text: `User ${name} created.` });

  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("focus-pass-123");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.locator("#username-error")).toBeVisible();
  await expect(page.getByLabel("Username")).toBeFocused();
});
