import { expect, Page } from "@playwright/test";

export const ADMIN = "admin";
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-pass-123";

/** Waits until the wasm has hydrated the page, so clicks reach Leptos handlers. */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__helpdesk_hydrated === true);
}

export async function signIn(page: Page, username = ADMIN, password = ADMIN_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

export function shot(page: Page, name: string) {
  return page.screenshot({ path: `screenshots/${name}.png`, fullPage: true });
}
