import { test, expect, APIRequestContext } from "@playwright/test";
import { api, auth, hydrated, shot, signIn, unique } from "./helpers";

async function queue(request: APIRequestContext) {
  const slug = unique("q");
  return api(request, "queues", { title: `Queue ${slug}`, slug });
}

async function ticket(request: APIRequestContext, queueId: number, title: string, extra: object = {}) {
  return api(request, "tickets", { queue: queueId, title, ...extra });
}

test("create a ticket with a custom field and see it in the list", async ({ page, request }) => {
  const q = await queue(request);
  const field = unique("asset");
  await api(request, "custom_fields", { name: field, label: `Asset tag ${field}`, data_type: "varchar" });
  const title = unique("Printer on fire ");

  await signIn(page);
  await page.goto("/tickets/new");
  await hydrated(page);
  await page.getByLabel("Queue").selectOption({ label: q.title });
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill("Smoke coming out of tray 2.");
  await page.getByLabel("Submitter email").fill("reporter@example.com");
  await page.getByLabel("Priority").selectOption({ label: "2. High" });
  await page.getByLabel(`Asset tag ${field}`).fill("PR-4711");
  await page.getByLabel("Attachments").setInputFiles({
    name: "tray2-photo.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("smoke, tray 2"),
  });
  await shot(page, "ticket-create");
  await page.getByRole("button", { name: "Create ticket" }).click();

  await expect(page).toHaveURL(/\/tickets\/\d+\?created=1$/);
  await expect(page.getByRole("status")).toHaveText("Ticket created.");
  await expect(page.getByRole("heading", { level: 1 })).toContainText(title);
  await expect(page.locator("dl.fields")).toContainText("PR-4711");
  await expect(page.locator(".timeline")).toContainText("Ticket Opened");
  await expect(page.locator(".timeline .attachments")).toContainText("tray2-photo.txt");
  // A quick action replaces the "created" banner that came with the URL.
  await hydrated(page);
  await page.getByRole("button", { name: "Assign to me" }).click();
  await expect(page.getByRole("status")).toHaveText("Ticket updated.");
  await expect(page.locator("dl.fields")).toContainText("admin");

  await page.goto(`/tickets?q=${encodeURIComponent(title)}`);
  const row = page.locator("table.tickets tbody tr");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(title);
  await expect(row).toContainText(q.title);
  await expect(row).toContainText("reporter@example.com");
  await expect(row).toContainText("2. High");
});

test("filter and sort the list; a reload keeps the filters", async ({ page, request }) => {
  const q = await queue(request);
  const word = unique("zebra");
  await ticket(request, q.id, `${word} low`, { priority: 4 });
  await ticket(request, q.id, `${word} critical`, { priority: 1, due_date: "2020-01-01T10:00:00Z" });
  const closed = await ticket(request, q.id, `${word} normal`, { priority: 3 });
  const res = await request.patch(`/api/tickets/${closed.id}/`, { headers: auth, data: { status: 4 } });
  expect(res.status()).toBe(200);

  await signIn(page);
  await page.goto("/tickets");
  await hydrated(page);
  await page.getByLabel("Search").fill(word);
  await page.getByLabel("Open", { exact: true }).check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/status=1/);
  await expect(page).toHaveURL(new RegExp(`q=${word}`));
  const rows = page.locator("table.tickets tbody tr");
  await expect(rows).toHaveCount(2);

  await page.getByRole("link", { name: "Priority" }).click();
  await expect(page).toHaveURL(/ordering=priority/);
  await expect(rows.first()).toContainText(`${word} critical`);
  await expect(rows.first()).toContainText("Overdue");
  await page.getByRole("link", { name: /Priority/ }).click();
  await expect(page).toHaveURL(/ordering=-priority/);
  await expect(rows.first()).toContainText(`${word} low`);

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Search")).toHaveValue(word);
  await expect(page.getByLabel("Open", { exact: true })).toBeChecked();
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(`${word} low`);
  await shot(page, "ticket-list");

  await page.goBack();
  await expect(page).toHaveURL(/ordering=priority(&|$)/);
  await expect(rows.first()).toContainText(`${word} critical`);

  await page.getByRole("link", { name: "Title", exact: true }).click();
  await expect(page).toHaveURL(/ordering=title(&|$)/);
  await expect(rows.first()).toContainText(`${word} critical`);
  await page.getByRole("link", { name: /^Title/ }).click();
  await expect(page).toHaveURL(/ordering=-title(&|$)/);
  await expect(rows.first()).toContainText(`${word} low`);
  await expect(page.getByLabel("Search")).toHaveValue(word);
});

test("open a ticket, reply with an attachment, change status, see it in the timeline", async ({ page, request }) => {
  const q = await queue(request);
  const t = await ticket(request, q.id, unique("VPN drops "), { submitter_email: "user@example.com" });

  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await page.getByLabel("Comment").fill("Please try the new client.");
  await page.getByLabel("New status").selectOption({ label: "Resolved" });
  await page.getByLabel("Time spent (HH:MM:SS)").fill("00:15:00");
  await page.getByLabel("Attachments").setInputFiles({
    name: "steps.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("1. uninstall\n2. install\n"),
  });
  await page.getByRole("button", { name: "Add reply" }).click();

  await expect(page.getByRole("status")).toHaveText("Reply added.");
  const timeline = page.locator(".timeline");
  await expect(timeline).toContainText("Please try the new client.");
  await expect(timeline).toContainText("Status: Open → Resolved");
  const link = timeline.getByRole("link", { name: "steps.txt" });
  await expect(link).toBeVisible();
  const download = await page.request.get((await link.getAttribute("href"))!);
  expect(download.status()).toBe(200);
  expect(await download.text()).toContain("uninstall");

  await hydrated(page);
  await page.getByRole("button", { name: "Reopen" }).click();
  await expect(timeline).toContainText("Status: Resolved → Reopened");
  await page.getByRole("button", { name: "Assign to me" }).click();
  await expect(timeline).toContainText("Assigned to: Unassigned → admin");
  await shot(page, "ticket-page");
});

test("editing with an invalid email shows the error next to the field", async ({ page, request }) => {
  const q = await queue(request);
  const t = await ticket(request, q.id, unique("Edit me "));

  await signIn(page);
  await page.goto(`/tickets/${t.id}/edit`);
  await hydrated(page);
  await page.getByLabel("Submitter email").fill("not-an-email");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator("#submitter_email-error")).toHaveText("Enter a valid email address.");
  await expect(page.getByLabel("Submitter email")).toHaveValue("not-an-email");
  await shot(page, "ticket-edit-error");

  await page.getByLabel("Submitter email").fill("fixed@example.com");
  await page.getByLabel("Title").fill("Edited title");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${t.id}\\?saved=1$`));
  await expect(page.getByRole("status")).toHaveText("Changes saved.");
  await expect(page.locator("dl.fields")).toContainText("fixed@example.com");
  await expect(page.locator(".timeline")).toContainText("Title: ");
});

test("deleting a ticket asks for a confirmation that names it", async ({ page, request }) => {
  const q = await queue(request);
  const title = unique("Delete me ");
  const t = await ticket(request, q.id, title);

  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await page.getByRole("link", { name: "Delete…" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`#${t.id} “${title}”`);
  await shot(page, "ticket-delete");
  await hydrated(page);
  await page.getByRole("button", { name: `Delete ticket #${t.id}` }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets\\?deleted=${t.id}$`));
  await expect(page.getByRole("status")).toHaveText(`Ticket #${t.id} was deleted.`);
  const gone = await request.get(`/api/tickets/${t.id}/`, { headers: auth });
  expect(gone.status()).toBe(404);
});

test("the dashboard counts link to the filtered list", async ({ page, request }) => {
  const q = await queue(request);
  await ticket(request, q.id, unique("Unassigned one "));
  await signIn(page);
  await page.goto("/");
  await hydrated(page);
  await page.getByRole("link", { name: /unassigned and open/ }).click();
  await expect(page).toHaveURL(/assigned_to=unassigned/);
  await expect(page.getByLabel("Assigned to")).toHaveValue("unassigned");
  await expect(page.locator("table.tickets tbody tr").first()).toContainText("Unassigned");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("create and reply work as plain forms", async ({ page, request }) => {
    const q = await queue(request);
    const title = unique("No JS ");
    await signIn(page);
    await page.goto("/tickets/new");
    await page.getByLabel("Queue").selectOption({ label: q.title });
    await page.getByLabel("Title").fill(title);
    await page.getByRole("button", { name: "Create ticket" }).click();
    await expect(page).toHaveURL(/\/tickets\/\d+\?created=1$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(title);

    await page.getByLabel("Comment").fill("Plain form reply");
    await page.getByRole("button", { name: "Add reply" }).click();
    await expect(page.getByRole("status")).toHaveText("Reply added.");
    await expect(page.locator(".timeline")).toContainText("Plain form reply");

    await page.goto(`/tickets?q=${encodeURIComponent(title)}`);
    await expect(page.locator("table.tickets tbody tr")).toHaveCount(1);
  });

  test("a failed create shows the error and keeps what was typed", async ({ page, request }) => {
    const q = await queue(request);
    await signIn(page);
    await page.goto("/tickets/new");
    await page.getByLabel("Queue").selectOption({ label: q.title });
    await page.getByLabel("Title").fill("Kept after an error");
    await page.getByLabel("Description").fill("Typed once, not twice.");
    await page.getByLabel("Submitter email").fill("not-an-email");
    await page.getByRole("button", { name: "Create ticket" }).click();
    await expect(page.locator("#submitter_email-error")).toHaveText("Enter a valid email address.");
    await expect(page.getByLabel("Title")).toHaveValue("Kept after an error");
    await expect(page.getByLabel("Description")).toHaveValue("Typed once, not twice.");
    await expect(page.getByLabel("Submitter email")).toHaveValue("not-an-email");
    await expect(page.getByLabel("Queue")).toHaveValue(String(q.id));
    await shot(page, "ticket-create-error-nojs");

    await page.getByLabel("Submitter email").fill("fixed@example.com");
    await page.getByRole("button", { name: "Create ticket" }).click();
    await expect(page).toHaveURL(/\/tickets\/\d+\?created=1$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Kept after an error");
  });
});

test("a stale edit form shows the colleague's change and keeps what was typed", async ({ browser, request }) => {
  const q = await queue(request);
  const t = await ticket(request, q.id, unique("Stale "), { priority: 1 });

  const one = await (await browser.newContext()).newPage();
  const two = await (await browser.newContext()).newPage();
  await signIn(one);
  await one.goto(`/tickets/${t.id}/edit`);
  await hydrated(one);

  // Agent 2 closes the ticket while agent 1 has the form open.
  await signIn(two);
  await two.goto(`/tickets/${t.id}`);
  await hydrated(two);
  await two.getByRole("button", { name: "Close" }).click();
  await expect(two.getByRole("status")).toHaveText("Ticket updated.");

  await one.getByLabel("Title").fill("Typed by agent one");
  await one.getByRole("button", { name: "Save changes" }).click();
  const clash = one.locator(".conflict");
  await expect(clash).toContainText("This ticket was changed by admin at");
  await expect(clash).toContainText("Status: Open → Closed");
  await expect(one.getByLabel("Title")).toHaveValue("Typed by agent one");
  await expect(one.getByLabel("Status")).toHaveValue("4");

  await one.getByRole("button", { name: "Save changes" }).click();
  await expect(one).toHaveURL(new RegExp(`/tickets/${t.id}\\?saved=1$`));
  await expect(one.locator("h1")).toContainText("Typed by agent one");
  await expect(one.locator(".badges")).toContainText("Closed");
  await one.context().close();
  await two.context().close();
});
