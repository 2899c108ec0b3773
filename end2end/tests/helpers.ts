import { APIRequestContext, expect, Page } from "@playwright/test";

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

/** A name no earlier test run used (tests share one database per run). */
export function unique(prefix: string) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** The admin's Basic credentials, for REST calls that need no browser cookie. */
export const auth = {
  Authorization: "Basic " + Buffer.from(`${ADMIN}:${ADMIN_PASSWORD}`).toString("base64"),
};

/** Creates data through the REST API with Basic auth (no browser cookie involved). */
export async function api(request: APIRequestContext, path: string, data: object) {
  const res = await request.post(`/api/${path}/`, { headers: auth, data });
  expect(res.status(), await res.text()).toBe(201);
  return res.json();
}
