import { defineConfig } from "@playwright/test";
import { tmpdir } from "node:os";

// One port for the whole run: the config is evaluated again in each worker, which inherits
// the environment of the main process.
if (!process.env.E2E_PORT) {
  process.env.E2E_PORT = String(20000 + Math.floor(Math.random() * 20000));
}
process.env.E2E_ADMIN_PASSWORD ??= "e2e-admin-pass-123";
const port = process.env.E2E_PORT;
// The test SMTP server's port and the folder it writes each message to (serve.sh).
process.env.E2E_SMTP_PORT ??= String(Number(port) + 1);
process.env.E2E_MAILDIR ??= `${tmpdir()}/helpdesk-e2e-mail-${port}`;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    trace: "off",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `bash ./serve.sh ${port}`,
    url: `${baseURL}/login`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});
