import { test, expect } from "@playwright/test";
import { api, auth, hydrated, shot, signIn, unique } from "./helpers";

test("bulk actions: assign and close selected tickets, delete with a confirmation", async ({ page, request }) => {
  const slug = unique("bq");
  const q = await api(request, "queues", { title: `Bulk ${slug}`, slug });
  const word = unique("bulk");
  const a = await api(request, "tickets", { queue: q.id, title: `${word} a` });
  const b = await api(request, "tickets", { queue: q.id, title: `${word} b` });

  await signIn(page);
  await page.goto(`/tickets?q=${word}`);
  await hydrated(page);
  await page.getByLabel(`Select ticket #${a.id}`).check();
  await page.getByLabel(`Select ticket #${b.id}`).check();
  await page.getByLabel("Action").selectOption("status:4");
  await page.getByRole("button", { name: "Apply to selected" }).click();
  await expect(page.getByRole("status")).toHaveText("2 tickets updated.");
  await expect(page.locator("table.tickets tbody tr").first()).toContainText("Closed");

  await expect(page.getByLabel(`Select ticket #${b.id}`)).not.toBeChecked();
  await page.getByLabel(`Select ticket #${a.id}`).check();
  await page.getByLabel("Action").selectOption("delete");
  await page.getByRole("button", { name: "Apply to selected" }).click();
  await expect(page.locator("#confirm-error")).toHaveText("Tick the box to confirm the deletion.");
  await page.getByLabel(/Yes, delete the selected tickets/).check();
  await page.getByRole("button", { name: "Apply to selected" }).click();
  await expect(page.locator("table.tickets tbody tr")).toHaveCount(1);
  const gone = await request.get(`/api/tickets/${a.id}/`, { headers: auth });
  expect(gone.status()).toBe(404);
});

test("merge a ticket into another from the ticket page", async ({ page, request }) => {
  const slug = unique("mq");
  const q = await api(request, "queues", { title: `Merge ${slug}`, slug });
  const a = await api(request, "tickets", { queue: q.id, title: unique("dup ") });
  const b = await api(request, "tickets", { queue: q.id, title: unique("main ") });
  await signIn(page);
  await page.goto(`/tickets/${a.id}`);
  await hydrated(page);
  await page.getByLabel("Merge into ticket #").fill(String(b.id));
  await page.getByRole("button", { name: "Merge" }).click();
  await expect(page.locator(".timeline")).toContainText("Status: Open → Duplicate");
  await expect(page.locator("dl.fields")).toContainText(`#${b.id}`);
});

test("an admin manages queues and custom fields", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/queues");
  await hydrated(page);
  const slug = unique("adm");
  await page.getByLabel("Title").fill(`Admin ${slug}`);
  await page.getByLabel("Slug").fill(slug);
  await page.getByRole("button", { name: "Create queue" }).click();
  await expect(page.getByRole("status")).toContainText(`Queue Admin ${slug} created.`);
  await page.getByRole("link", { name: `Admin ${slug}` }).click();
  await hydrated(page);
  await page.getByLabel("Title").fill(`Renamed ${slug}`);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await page.getByRole("button", { name: `Delete queue Renamed ${slug}` }).click();
  await expect(page).toHaveURL(/\/admin\/queues\?deleted=1$/);
  await expect(page.getByRole("link", { name: `Renamed ${slug}` })).toHaveCount(0);

  await page.goto("/admin/custom-fields");
  await hydrated(page);
  const name = unique("cf");
  await page.getByLabel("Name (used in the API").fill(name);
  await page.getByLabel("Label").fill("Colour");
  await page.getByLabel("Data type").selectOption("list");
  await page.getByLabel("Choices (one a line").fill("red\ngreen");
  await page.getByRole("button", { name: "Create custom field" }).click();
  await expect(page.getByRole("status")).toContainText(`Custom field ${name} created.`);
  await shot(page, "admin-custom-fields");
  await page.getByRole("link", { name }).click();
  await hydrated(page);
  await page.getByRole("button", { name: `Delete custom field ${name}` }).click();
  await expect(page).toHaveURL(/\/admin\/custom-fields\?deleted=1$/);
});

test("a non-staff user reads their own ticket and adds a public comment", async ({ page, browser, request }) => {
  const name = unique("cust");
  const email = `${name}@example.com`;
  await api(request, "users", { username: name, email, password: "customer-pass-123", is_staff: false });
  const slug = unique("cq");
  const q = await api(request, "queues", { title: `Cust ${slug}`, slug });
  const t = await api(request, "tickets", { queue: q.id, title: unique("My laptop "), submitter_email: email });
  await api(request, "followups", { ticket: t.id, comment: "internal note", public: false });

  await signIn(page, name, "customer-pass-123");
  await page.goto("/my-tickets");
  await page.getByRole("link", { name: t.title }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${t.id}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(t.title);
  await expect(page.locator(".timeline")).not.toContainText("internal note");
  await hydrated(page);
  await page.getByLabel("Comment").fill("It still does not boot.");
  await page.getByRole("button", { name: "Add comment" }).click();
  await expect(page.getByRole("status")).toHaveText("Comment added.");
  await expect(page.locator(".timeline")).toContainText("It still does not boot.");
  await shot(page, "my-ticket");
});
