"""test_web_static.py — `truce serve --web DIR`: the dashboard's files at / (src/edges/static.c).

A web root made here holds an index, a hashed asset, a hidden file, a directory and symbolic
links in and out of the root. Checked: content types, cache headers, CSP; HEAD; `..`, encoded
`..`, hidden files, directories and links out of the root answer the API's 404 problem; API
paths (/v1/..., /metrics) keep their own answers; --web none and a bad --web."""
import atexit
import os
import shutil
import tempfile

import harness
from harness import ServerTest

WEB = tempfile.mkdtemp(prefix="truce-web-root-")
OUTSIDE = tempfile.mkdtemp(prefix="truce-web-outside-")
atexit.register(shutil.rmtree, WEB, True)
atexit.register(shutil.rmtree, OUTSIDE, True)
with open(os.path.join(WEB, "index.html"), "w") as f:
    f.write("<!doctype html><title>dashboard</title>")
os.mkdir(os.path.join(WEB, "assets"))
with open(os.path.join(WEB, "assets", "app-ABC123.js"), "w") as f:
    f.write("console.log('truce');\n")
with open(os.path.join(WEB, "assets", "app-ABC123.css"), "w") as f:
    f.write("body{}\n")
with open(os.path.join(WEB, "data.bin"), "wb") as f:
    f.write(b"\x00\x01")
with open(os.path.join(WEB, ".secret"), "w") as f:
    f.write("hidden")
with open(os.path.join(OUTSIDE, "passwd"), "w") as f:
    f.write("outside the root")
os.symlink(os.path.join(OUTSIDE, "passwd"), os.path.join(WEB, "out.txt"))
os.symlink(os.path.join(WEB, "assets", "app-ABC123.css"), os.path.join(WEB, "in.css"))


class WebStaticTest(ServerTest):
    extra_args = ("--web", WEB)

    def assertNotServed(self, path):
        r = self.srv.get(path)
        self.assertEqual(r.status, 404, (path, r))
        self.assertEqual(r.headers["content-type"], "application/problem+json", path)
        self.assertNotIn("outside the root", r.body)
        self.assertNotIn("hidden", r.body.replace("no such resource", ""))

    def test_index_at_root(self):
        r = self.srv.get("/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(r.headers["cache-control"], "no-cache")
        self.assertEqual(r.headers["x-content-type-options"], "nosniff")
        self.assertIn("default-src 'self'", r.headers["content-security-policy"])
        self.assertIn("connect-src 'self'", r.headers["content-security-policy"])
        self.assertIn("<title>dashboard</title>", r.body)
        self.assertEqual(self.srv.get("/index.html").body, r.body)

    def test_assets_types_and_cache(self):
        r = self.srv.get("/assets/app-ABC123.js")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(r.headers["cache-control"], "public, max-age=31536000, immutable")
        self.assertEqual(r.body, "console.log('truce');\n")
        self.assertEqual(self.srv.get("/assets/app-ABC123.css").headers["content-type"], "text/css; charset=utf-8")
        self.assertEqual(self.srv.get("/data.bin").headers["content-type"], "application/octet-stream")
        self.assertEqual(self.srv.get("/in.css").status, 200)  # a link that stays inside the root

    def test_head(self):
        r = self.srv.request("HEAD", "/assets/app-ABC123.js")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, "")
        self.assertEqual(r.headers["content-length"], str(len("console.log('truce');\n")))

    def test_no_traversal_hidden_or_directories(self):
        for p in ("/../" + os.path.basename(OUTSIDE) + "/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/../index.html",
                  "/./index.html", "/.secret", "/%2esecret", "/out.txt", "/assets", "/assets/", "//index.html",
                  "/assets\\app-ABC123.js", "/missing.js", "/" + "a" * 2000):
            self.assertNotServed(p)

    def test_api_paths_keep_their_answers(self):
        self.assertEqual(self.srv.get("/v1/health").status, 200)
        r = self.srv.get("/v1/nope")
        self.assertEqual((r.status, r.headers["content-type"]), (404, "application/problem+json"))
        self.assertEqual(self.srv.get("/v1").status, 404)
        self.assertEqual(self.srv.request("DELETE", "/v1/health").status, 405)
        self.assertEqual(self.srv.get("/metrics").status, 200)
        self.assertEqual(self.srv.get("/metrics/index.html").status, 404)
        r = self.srv.request("POST", "/", raw=b"{}")
        self.assertEqual((r.status, r.headers["content-type"]), (404, "application/problem+json"))


class WebNoneTest(ServerTest):
    extra_args = ("--web", "none")

    def test_no_page(self):
        r = self.srv.get("/")
        self.assertEqual((r.status, r.headers["content-type"]), (404, "application/problem+json"))


class WebOptionTest(ServerTest):
    def test_bad_web_dir_is_a_usage_error(self):
        r = harness.run_cli("serve", "--web", OUTSIDE, "--db", os.path.join(OUTSIDE, "x.db"), check=False)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("--web", r.stderr)


if __name__ == "__main__":
    harness.main()
