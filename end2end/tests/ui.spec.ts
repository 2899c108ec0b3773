// Issue #11: what an agent or a customer meets in the browser (failed replies, authors, double
// clicks, back/forward, page titles, small screens).
import { test, expect, APIRequestContext } from "@playwright/test";
import { ADMIN, ADMIN_PASSWORD, api, auth, hydrated, shot, signIn, unique } from "./helpers";

async function queue(request: APIRequestContext, prefix = "Queue") {
  const slug = unique("q");
  return api(request, "queues", { title: `${prefix} ${slug}`, slug });
}

test("a failed reply keeps what was typed, says why by the field and focuses it", async ({ page, request }) => {
  const q = await queue(request);
  const t = await api(request, "tickets", { queue: q.id, title: unique("Reply errors ") });
  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);

  await page.getByLabel("Comment").fill("Checked the cable, it was loose.");
  await page.getByLabel(/Public \(the submitter/).uncheck();
  await page.getByLabel("New status").selectOption({ label: "Resolved" });
  await page.getByLabel(/Time spent/).fill("ten minutes");
  await page.getByRole("button", { name: "Add reply" }).click();

  await expect(page.locator("#time_spent-error")).toHaveText(/as hours:minutes:seconds, for example 00:15:00/);
  await expect(page.locator("#time_spent-error")).not.toContainText("[DD]");
  await hydrated(page);
  await expect(page.getByLabel(/Time spent/)).toBeFocused();
  await expect(page.getByLabel("Comment")).toHaveValue("Checked the cable, it was loose.");
  await expect(page.getByLabel(/Public \(the submitter/)).not.toBeChecked();
  await expect(page.getByLabel("New status")).toHaveValue("3");
  await expect(page.getByLabel(/Time spent/)).toHaveValue("ten minutes");
  await expect(page.locator(".timeline")).not.toContainText("Checked the cable");

  // Over the length limit: the comment keeps its text and gets the focus.
  const huge = "x".repeat(100_001);
  await page.getByLabel("Comment").fill(huge);
  await page.getByLabel(/Time spent/).fill("00:10:00");
  await page.getByRole("button", { name: "Add reply" }).click();
  await expect(page.locator("#comment-error")).toHaveText("Ensure this field has no more than 100000 characters.");
  await hydrated(page);
  await expect(page.getByLabel("Comment")).toBeFocused();
  expect((await page.getByLabel("Comment").inputValue()).length).toBe(100_001);
  await expect(page.getByLabel(/Time spent/)).toHaveValue("00:10:00");
});

test("a reply typed when the session expired is still there after signing in again", async ({ page, context, request }) => {
  const q = await queue(request);
  const t = await api(request, "tickets", { queue: q.id, title: unique("Expired session ") });
  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await page.getByLabel("Comment").fill("A long answer typed over lunch.");
  await page.getByLabel(/Time spent/).fill("00:45:00");
  await context.clearCookies();
  await page.getByRole("button", { name: "Add reply" }).click();

  // The server sends a signed-out visitor to the sign-in page, which brings them back.
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel("Username").fill(ADMIN);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${t.id}(\\?|$)`));
  await expect(page.getByLabel("Comment")).toHaveValue("A long answer typed over lunch.");
  await expect(page.getByText("credentials")).toHaveCount(0);
  await expect(page.getByLabel(/Time spent/)).toHaveValue("00:45:00");

  await hydrated(page);
  await page.getByRole("button", { name: "Add reply" }).click();
  await expect(page.getByRole("status")).toHaveText("Reply added.");
  await expect(page.locator(".timeline")).toContainText("A long answer typed over lunch.");
  // Sent, so the draft is gone: a fresh visit starts with an empty box.
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await expect(page.getByLabel("Comment")).toHaveValue("");
});

async function customerWithTicket(request: APIRequestContext) {
  const name = unique("cora");
  const email = `${name}@example.com`;
  await api(request, "users", {
    username: name, email, password: "customer-pass-123", is_staff: false,
    first_name: "Cora", last_name: "Customer",
  });
  const q = await queue(request);
  const t = await api(request, "tickets", { queue: q.id, title: unique("Laptop "), submitter_email: email });
  return { name, t };
}

test("authors: agents see the customer's name, the customer sees You and the agent's name", async ({ page, context, request }) => {
  const { name, t } = await customerWithTicket(request);
  const agent = unique("ann");
  await api(request, "users", {
    username: agent, email: `${agent}@example.com`, password: "agent-pass-123", is_staff: true,
    first_name: "Ann", last_name: "Lee",
  });
  const reply = await request.post("/api/followups/", {
    headers: { Authorization: "Basic " + Buffer.from(`${agent}:agent-pass-123`).toString("base64") },
    data: { ticket: t.id, comment: "Have you tried turning it off and on?", public: true },
  });
  expect(reply.status(), await reply.text()).toBe(201);

  await signIn(page, name, "customer-pass-123");
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await page.getByLabel("Comment").fill("Yes, twice.");
  await page.getByRole("button", { name: "Add comment" }).click();
  await expect(page.getByRole("status")).toHaveText("Comment added.");
  const mine = page.locator(".timeline li", { hasText: "Yes, twice." });
  await expect(mine.locator(".author")).toHaveText("You");
  const theirs = page.locator(".timeline li", { hasText: "turning it off" });
  await expect(theirs.locator(".author")).toHaveText("Ann Lee");

  await context.clearCookies();
  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  await expect(page.locator(".timeline li", { hasText: "Yes, twice." }).locator(".author")).toHaveText("Cora Customer");
  await expect(page.locator(".timeline li", { hasText: "turning it off" }).locator(".author")).toHaveText("Ann Lee");
  await expect(page.locator(".timeline")).not.toContainText("User #");
});

test("a double click posts a comment or a reply once, and the box clears", async ({ page, context, request }) => {
  const { name, t } = await customerWithTicket(request);
  await signIn(page, name, "customer-pass-123");
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await page.getByLabel("Comment").fill("Only once please.");
  await page.getByRole("button", { name: "Add comment" }).dblclick();
  await expect(page.getByRole("status")).toHaveText("Comment added.");
  await expect(page.getByLabel("Comment")).toHaveValue("");
  await page.reload();
  await expect(page.locator(".timeline li", { hasText: "Only once please." })).toHaveCount(1);

  await context.clearCookies();
  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await page.getByLabel("Comment").fill("One reply, one followup.");
  await page.getByRole("button", { name: "Add reply" }).dblclick();
  await expect(page.getByRole("status")).toHaveText("Reply added.");
  await page.reload();
  await expect(page.locator(".timeline li", { hasText: "One reply, one followup." })).toHaveCount(1);
});

test("after Back and Forward the filter controls show what the URL says", async ({ page, request }) => {
  const billing = await queue(request, "Billing");
  const word = unique("bf");
  await api(request, "tickets", { queue: billing.id, title: `${word} invoice` });
  await signIn(page);
  await page.goto(`/tickets?q=${word}`);
  await hydrated(page);
  await page.getByLabel("Queue").selectOption({ label: billing.title });
  await page.getByLabel("Priority").selectOption({ label: "2. High" });
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`queue=${billing.id}`));

  await page.goBack();
  await expect(page).not.toHaveURL(/queue=/);
  await expect(page.getByLabel("Queue")).toHaveValue("");
  await expect(page.getByLabel("Priority")).toHaveValue("");
  await expect(page.getByLabel("Search")).toHaveValue(word);

  await page.goForward();
  await expect(page).toHaveURL(new RegExp(`queue=${billing.id}`));
  await expect(page.getByLabel("Queue")).toHaveValue(String(billing.id));
  await expect(page.getByLabel("Priority")).toHaveValue("2");

  await page.goBack();
  await expect(page.getByLabel("Queue")).toHaveValue("");
  await page.getByLabel("Open", { exact: true }).check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/status=1/);
  await expect(page).not.toHaveURL(/queue=\d|priority=\d/);
  await expect(page.getByLabel("Queue")).toHaveValue("");
});

test("every page has its own title, and a skip link leads to the main content", async ({ page, request }) => {
  const q = await queue(request);
  const t = await api(request, "tickets", { queue: q.id, title: unique("Printer on fire ") });
  // Server-rendered, so that the title is right before the wasm loads.
  const html = await (await request.get("/login")).text();
  expect(html).toContain("<title>Sign in · Helpdesk</title>");

  await signIn(page);
  await expect(page).toHaveTitle("Dashboard · Helpdesk");
  await page.goto("/tickets");
  await expect(page).toHaveTitle("Tickets · Helpdesk");
  await page.goto(`/tickets/${t.id}`);
  await expect(page).toHaveTitle(`#${t.id} ${t.title} · Helpdesk`);
  await hydrated(page);
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveTitle(`Edit ticket #${t.id} · Helpdesk`);
  await page.goto("/admin/queues");
  await expect(page).toHaveTitle("Queues · Helpdesk");

  await page.goto("/tickets");
  await hydrated(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();
});

test("the timeline names fields and values as the form does; saving an unchanged form records nothing", async ({ page, request }) => {
  const q = await queue(request);
  const agent = unique("lee");
  const ann = await api(request, "users", {
    username: agent, email: `${agent}@example.com`, password: "agent-pass-123", is_staff: true,
    first_name: "Ann", last_name: "Lee",
  });
  const field = unique("parts");
  await api(request, "custom_fields", { name: field, label: `Needs parts ${field}`, data_type: "boolean" });
  const t = await api(request, "tickets", { queue: q.id, title: unique("Labels "), description: "line one\nline two" });
  const res = await request.patch(`/api/tickets/${t.id}/`, {
    headers: auth,
    data: { assigned_to: ann.id, on_hold: true, [`custom_${field}`]: true, due_date: "2030-05-01T09:30:00Z" },
  });
  expect(res.status(), await res.text()).toBe(200);

  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  const changes = page.locator(".timeline .changes");
  await expect(changes).toContainText("Assigned to: Unassigned → Ann Lee");
  await expect(changes).toContainText("On hold: no → yes");
  await expect(changes).toContainText(`Needs parts ${field}: — → yes`);
  await expect(changes).toContainText("Due: — → 2030-05-01");
  await expect(changes).not.toContainText("assigned_to");
  await expect(changes).not.toContainText("on_hold");
  await expect(changes).not.toContainText("custom_");
  await expect(changes).not.toContainText("T09:30:00");

  const followups = page.locator(".timeline > li");
  const before = await followups.count();
  await page.goto(`/tickets/${t.id}/edit`);
  await hydrated(page);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${t.id}(\\?|$)`));
  await expect(page.locator("h1")).toContainText(t.title);
  await expect(followups).toHaveCount(before);
});

test("the ticket form says what to do about an empty queue", async ({ page }) => {
  await signIn(page);
  await page.goto("/tickets/new");
  await hydrated(page);
  await page.getByLabel("Title").fill("No queue chosen");
  await page.getByRole("button", { name: "Create ticket" }).click();
  await expect(page.locator("#queue-error")).toHaveText("Choose a queue.");
  await expect(page.getByLabel("Title")).toHaveValue("No queue chosen");
});

test("at 390 px: no sideways scroll, filters folded, one card per ticket, long titles wrap", async ({ page, request }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const q = await queue(request);
  const word = unique("narrow");
  const long = word + "x".repeat(200 - word.length);
  const t = await api(request, "tickets", { queue: q.id, title: long, submitter_email: "someone.with.a.long.address@example.com" });
  await api(request, "followups", { ticket: t.id, comment: "y".repeat(300), public: true });
  await signIn(page);
  const noSideways = async () => {
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(scroll).toBeLessThanOrEqual(client);
  };

  await page.goto(`/tickets?q=${word}`);
  await hydrated(page);
  await noSideways();
  await expect(page.getByLabel("Search")).toBeHidden();
  await shot(page, "ticket-list-390");
  await page.getByText("Filters (1 active)").click();
  await expect(page.getByLabel("Search")).toBeVisible();
  await expect(page.getByLabel("Search")).toHaveValue(word);
  const card = page.locator("table.tickets tbody tr").first();
  await expect(page.locator("table.tickets thead")).not.toBeInViewport();
  for (const text of [long, "Open", "3. Normal", "Unassigned"]) {
    await expect(card.getByText(text, { exact: false }).first()).toBeVisible();
  }
  const box = await card.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(390);
  await noSideways();

  await page.goto(`/tickets/${t.id}`);
  await hydrated(page);
  await noSideways();
  for (const path of ["/", "/tickets/new", "/admin/users", "/admin/custom-fields"]) {
    await page.goto(path);
    await noSideways();
  }
});

test("a long comment is folded behind Show all", async ({ page, request }) => {
  const q = await queue(request);
  const t = await api(request, "tickets", { queue: q.id, title: unique("Long log ") });
  const log = Array.from({ length: 60 }, (_, i) => `log line ${i + 1}`).join("\n");
  await api(request, "followups", { ticket: t.id, comment: log, public: true });
  await signIn(page);
  await page.goto(`/tickets/${t.id}`);
  await expect(page.getByText("log line 20", { exact: false })).toBeVisible();
  await expect(page.getByText("log line 60", { exact: false })).toBeHidden();
  await page.getByText("Show all (40 more lines)").click();
  await expect(page.getByText("log line 60", { exact: false })).toBeVisible();
});

test("admin pages: slug suggested, default owner settable, types by name, Staff ticked for new users", async ({ page, request }) => {
  const field = unique("kind");
  await api(request, "custom_fields", { name: field, label: "Kind", data_type: "ipaddress" });
  await signIn(page);
  await page.goto("/admin/queues");
  await hydrated(page);
  const word = unique("Help Desk ");
  await page.getByLabel("Title").fill(word);
  const slug = word.toLowerCase().replace(/ /g, "-");
  await expect(page.getByLabel("Slug")).toHaveValue(slug);
  await page.getByLabel("Default owner").selectOption({ label: "admin" });
  await page.getByRole("button", { name: "Create queue" }).click();
  await expect(page.getByRole("status")).toContainText(`Queue ${word} created.`);
  await page.getByRole("link", { name: word }).click();
  await expect(page.getByLabel("Default owner").locator("option:checked")).toHaveText("admin");

  await page.goto("/admin/custom-fields");
  await expect(page.locator("tr", { hasText: field })).toContainText("IP address");
  await expect(page.getByLabel("Data type").locator("option", { hasText: "Short text" })).toHaveCount(1);

  await page.goto("/admin/users");
  await expect(page.getByLabel("Staff (agent)")).toBeChecked();
});
