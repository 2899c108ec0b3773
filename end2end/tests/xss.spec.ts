import { test, expect, Page } from "@playwright/test";
import { ADMIN, ADMIN_PASSWORD, hydrated, shot, signIn } from "./helpers";

// Issue 6: text that users write is shown as text. A stored <script> or an element with an
// event handler in a ticket's title, description, comment or custom value must not run, nor
// become an element, on the list or the ticket page. The Content-Security-Policy would block
// inline scripts anyway, so the test also checks that no such element exists at all and that
// the browser reported no policy violation (which would mean markup got through, or that the
// policy blocks the app's own hydration).

const auth = {
  Authorization: "Basic " + Buffer.from(`${ADMIN}:${ADMIN_PASSWORD}`).toString("base64"),
};

function watch(page: Page) {
  const seen = { dialogs: [] as string[], violations: [] as string[] };
  page.on("dialog", async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss();
  });
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) seen.violations.push(m.text());
  });
  return seen;
}

test("a stored script in a ticket's texts does not run on the list or the ticket page", async ({ page, request }) => {
  const token = `xss${Date.now().toString(36)}`;
  const title = `<script>alert("title")</script><img src=x onerror="alert('img')"> ${token}`;
  const description = `<script>alert("description")</script><b>not bold</b>`;
  const comment = `<svg onload="alert('comment')"></svg><a href="javascript:alert(1)">link</a>`;
  const custom = `<img src=x onerror="alert('custom')">`;

  const post = async (path: string, data: object) => {
    const res = await request.post(`/api/${path}/`, { headers: auth, data });
    expect(res.status(), await res.text()).toBe(201);
    return res.json();
  };
  const q = await post("queues", { title: `<i>Queue</i> ${token}`, slug: token });
  const field = `f${token}`;
  await post("custom_fields", { name: field, label: "Asset <u>tag</u>", data_type: "varchar" });
  const t = await post("tickets", { queue: q.id, title, description, [`custom_${field}`]: custom });
  await post("followups", { ticket: t.id, comment, public: true });

  const seen = watch(page);
  await signIn(page);

  await page.goto(`/tickets?q=${token}`);
  await hydrated(page);
  const row = page.locator("table.tickets tbody tr");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(title);
  await expect(row.locator("script, img, svg, i")).toHaveCount(0);

  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(title);
  const main = page.locator("main");
  await expect(main).toContainText(description);
  await expect(main).toContainText(comment);
  await expect(main).toContainText(custom);
  await expect(main.locator("script, img, svg, b, u, i, a[href^='javascript:']")).toHaveCount(0);
  await shot(page, "xss-ticket");

  // Give any handler that slipped through a moment to fire.
  await page.waitForTimeout(300);
  expect(seen.dialogs).toEqual([]);
  expect(seen.violations).toEqual([]);
});
