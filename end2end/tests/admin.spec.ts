import { test, expect } from "@playwright/test";
import { hydrated, shot, signIn, unique } from "./helpers";

test("an admin creates a staff user who can then sign in", async ({ page, browser }) => {
  await signIn(page);
  await page.goto("/admin/users");
  await hydrated(page);
  const name = unique("agent");
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Email").fill(`${name}@example.com`);
  await page.getByLabel("Password").fill("agent-pass-123");
  await page.getByLabel("Staff (agent)").check();
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status")).toContainText(`User ${name} created.`);
  await expect(page.getByRole("link", { name })).toBeVisible();
  await shot(page, "admin-users");

  const other = await browser.newContext();
  const agent = await other.newPage();
  await signIn(agent, name, "agent-pass-123");
  await expect(agent).toHaveURL(/\/$/);
  await expect(agent.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await other.close();
});

test("creating a user with a taken name shows the error next to the field", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/users");
  await hydrated(page);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("whatever-123");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.locator("#username-error")).toHaveText("A user with that username already exists.");
  await expect(page.getByLabel("Username")).toHaveValue("admin");
});

test("a non-staff user cannot reach agent or admin pages", async ({ page, browser }) => {
  await signIn(page);
  await page.goto("/admin/users");
  await hydrated(page);
  const name = unique("customer");
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password").fill("customer-pass-123");
  await page.getByLabel("Staff (agent)").uncheck();
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status")).toContainText(`User ${name} created.`);

  const other = await browser.newContext();
  const customer = await other.newPage();
  await signIn(customer, name, "customer-pass-123");
  for (const path of ["/", "/admin/users", "/tickets"]) {
    await customer.goto(path);
    await expect(customer).toHaveURL(/\/my-tickets$/);
  }
  await other.close();
});
