import { test, expect, APIRequestContext } from "@playwright/test";
import { api, hydrated, shot, signIn, unique } from "./helpers";

// Issue 11: times in the viewer's zone (the browser's by default), the UTC instant on hover.
const DUE = "2026-01-15T09:15:00Z";

async function winterTicket(request: APIRequestContext) {
  const slug = unique("tz");
  const q = await api(request, "queues", { title: `Queue ${slug}`, slug });
  return api(request, "tickets", { queue: q.id, title: unique("Due in winter "), due_date: DUE });
}

test.describe("in a browser in New York", () => {
  test.use({ timezoneId: "America/New_York" });

  test("times are shown in the browser's zone, with UTC on hover", async ({ page, request }) => {
    const t = await winterTicket(request);
    await signIn(page);
    await page.goto(`/tickets/${t.id}`);
    await hydrated(page);
    const due = page.locator(`dl.fields time[datetime="${DUE}"]`);
    // Even a first page drawn in UTC switches once hydrated; later pages come so from the server.
    await expect(due).toHaveText("2026-01-15 04:15");
    await expect(due).toHaveAttribute("title", "2026-01-15 09:15 UTC");
    await due.hover();
    await shot(page, "ticket-time-hover");

    // The server now knows the browser's zone (cookie): the HTML already says 04:15.
    const html = await (await page.request.get(`/tickets/${t.id}`)).text();
    expect(html).toContain(`<time datetime="${DUE}" title="2026-01-15 09:15 UTC">2026-01-15 04:15`);
    await page.goto(`/tickets?q=${encodeURIComponent(t.title)}`);
    await expect(page.locator("td.due time")).toHaveText("2026-01-15 04:15");
  });

  test("an agent's own setting wins over the browser's zone", async ({ page, request }) => {
    const t = await winterTicket(request);
    await signIn(page);
    await page.goto("/settings/password");
    await hydrated(page);
    await page.getByLabel("Show times in").selectOption("Europe/Berlin");
    await page.getByRole("button", { name: "Save time zone" }).click();
    await expect(page.getByRole("status")).toHaveText("Time zone saved.");
    await page.goto(`/tickets/${t.id}`);
    await hydrated(page);
    await expect(page.locator(`dl.fields time[datetime="${DUE}"]`)).toHaveText("2026-01-15 10:15");

    // Back to the browser's default.
    await page.goto("/settings/password");
    await hydrated(page);
    await page.getByLabel("Show times in").selectOption("");
    await page.getByRole("button", { name: "Save time zone" }).click();
    await expect(page.getByRole("status")).toHaveText("Time zone saved.");
    await page.goto(`/tickets/${t.id}`);
    await hydrated(page);
    await expect(page.locator(`dl.fields time[datetime="${DUE}"]`)).toHaveText("2026-01-15 04:15");
  });
});
