// A small SMTP server for the browser tests (issue 15): it takes every message the helpdesk
// sends and writes it, as received, to a file in the folder given, so a test can read the
// mail a customer got and follow its link. Real SMTP over TCP (RFC 5321's commands a client
// needs, without TLS or authentication: the helpdesk talks to it with ?tls=none).
// Usage: node smtp-sink.mjs PORT FOLDER
import { createServer } from "node:net";
import { mkdirSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";

const [port, folder] = process.argv.slice(2);
mkdirSync(folder, { recursive: true });
let count = 0;

createServer((socket) => {
  let buffer = "";
  let data = null; // the message's lines while in DATA
  const say = (line) => socket.write(`${line}\r\n`);
  say("220 e2e-sink ESMTP");
  socket.setEncoding("latin1");
  socket.on("data", (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (data !== null) {
        if (line === ".") {
          // Written under a temporary name first: a reader never sees half a message.
          const name = `${Date.now()}-${++count}.eml`;
          writeFileSync(join(folder, `.${name}`), data.join("\r\n") + "\r\n", "latin1");
          renameSync(join(folder, `.${name}`), join(folder, name));
          data = null;
          say("250 2.0.0 queued");
        } else {
          data.push(line.startsWith("..") ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO") say("250-e2e-sink\r\n250 8BITMIME");
      else if (verb === "HELO") say("250 e2e-sink");
      else if (verb === "DATA") { data = []; say("354 end with <CRLF>.<CRLF>"); }
      else if (verb === "QUIT") { say("221 bye"); socket.end(); }
      else say("250 OK");
    }
  });
  socket.on("error", () => {});
}).listen(Number(port), "127.0.0.1");
