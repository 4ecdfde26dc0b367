package pagetest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/invitebot/invitebot/handlers/verifypage/pagetest"
)

func TestMain(m *testing.M) { os.Exit(pagetest.Run(m)) }

const strict = "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'"

// site serves a few pages to drive.
func site(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	page := func(path, csp, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><html><head><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title><script src=\"/app.js\" defer></script></head><body>%s</body></html>", path, body)
		})
	}
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `var f = document.getElementById("f"); if (f) { f.elements.data.value = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || ""; }`)
	})
	page("/form", strict, `<form id="f" method="post" action="/done"><input type="hidden" name="data"><button id="go">Go</button></form>`)
	mux.HandleFunc("POST /done", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "<!doctype html><title>done</title><p id=got>%s</p>", strings.ReplaceAll(r.PostFormValue("data"), "<", "&lt;"))
	})
	page("/inline", strict, `<p style="color:red">styled</p><script>document.title = "ran"</script>`)
	page("/elsewhere", strict, `<img src="https://example.com/x.png">`)
	page("/missing", strict, `<link rel="stylesheet" href="/missing.css"><p>unstyled</p>`)
	page("/wide", strict, `<div style="width:2000px">wide</div>`)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestDrivesAPage: the init data in the fragment reaches the form, the
// press posts it and waits for the answer, and a clean page has no
// problems.
func TestDrivesAPage(t *testing.T) {
	srv := site(t)
	b := pagetest.Open(t, pagetest.LaunchURL(srv.URL+"/form", "user=%7B%7D&hash=ab"))
	if got := b.Value(`input[name="data"]`); got != "user=%7B%7D&hash=ab" {
		t.Errorf("the form holds %q", got)
	}
	if b.Status() != http.StatusOK || b.Title() != "/form" || !b.Has("#go") || b.Has("#nothing") {
		t.Errorf("status %d, title %q", b.Status(), b.Title())
	}
	b.Press("#go")
	if got := b.Text("#got"); got != "user=%7B%7D&hash=ab" {
		t.Errorf("posted %q", got)
	}
	if b.Status() != http.StatusAccepted || b.Title() != "done" {
		t.Errorf("after the press: status %d, title %q", b.Status(), b.Title())
	}
	if p := b.Problems(); len(p) != 0 {
		t.Errorf("problems on a clean page: %q", p)
	}
}

// TestReportsProblems: what the policy blocks and what fails to load
// show in Problems, so that a test that wants none can fail.
func TestReportsProblems(t *testing.T) {
	srv := site(t)
	for path, want := range map[string]string{
		"/inline":    "Content-Security-Policy",
		"/elsewhere": "Content-Security-Policy",
		"/missing":   "missing.css",
	} {
		b := pagetest.Open(t, srv.URL+path)
		if path == "/inline" && b.Title() == "ran" {
			t.Errorf("the inline script ran despite the policy")
		}
		found := false
		for _, p := range b.Problems() {
			found = found || strings.Contains(p, want)
		}
		if !found {
			t.Errorf("%s: problems %q, want one with %q", path, b.Problems(), want)
		}
	}
}

// TestViewport: a phone-wide tab is 360 CSS pixels wide, and a page wider
// than that scrolls sideways.
func TestViewport(t *testing.T) {
	srv := site(t)
	b := pagetest.Open(t, srv.URL+"/form", pagetest.Viewport(360, 640))
	if w := pagetest.Eval[int](b, "window.innerWidth"); w != 360 {
		t.Errorf("innerWidth %d", w)
	}
	if sw := pagetest.Eval[int](b, "document.documentElement.scrollWidth"); sw > 360 {
		t.Errorf("a narrow page scrolls: %d", sw)
	}
	b.Navigate(srv.URL + "/wide")
	// The wide div's style attribute is blocked by the policy: unstyled,
	// it is as wide as the window.
	if sw := pagetest.Eval[int](b, "document.documentElement.scrollWidth"); sw > 360 {
		t.Errorf("the blocked style applied: %d", sw)
	}
	pagetest.Eval[bool](b, `(function(){ document.querySelector("div").style.width = "2000px"; return true; })()`)
	if sw := pagetest.Eval[int](b, "document.documentElement.scrollWidth"); sw < 2000 {
		t.Errorf("a wide page does not scroll: %d", sw)
	}
}

func TestLaunchURL(t *testing.T) {
	got := pagetest.LaunchURL("https://bot.example/verify/abc", "query_id=Q&user=%7B%7D&hash=00")
	want := "https://bot.example/verify/abc#tgWebAppData=query_id%3DQ%26user%3D%257B%257D%26hash%3D00&tgWebAppPlatform=android&tgWebAppVersion=9.1"
	if got != want {
		t.Errorf("LaunchURL = %s, want %s", got, want)
	}
}

// tb records what Chromium does with the test instead of doing it.
type tb struct {
	testing.TB
	skipped, failed string
}

func (r *tb) Helper()                      {}
func (r *tb) Skip(args ...any)             { r.skipped = fmt.Sprint(args...) }
func (r *tb) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

// TestChromiumMissing: without Chromium a test skips, saying why, unless
// CI requires it; then it fails.
func TestChromiumMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(pagetest.RequireEnv, "")
	r := &tb{TB: t}
	if path := pagetest.Chromium(r); path != "" || !strings.Contains(r.skipped, "no Chromium found") || r.failed != "" {
		t.Errorf("Chromium = %q, skipped %q, failed %q", path, r.skipped, r.failed)
	}
	t.Setenv(pagetest.RequireEnv, "1")
	r = &tb{TB: t}
	if pagetest.Chromium(r); !strings.Contains(r.failed, "INVITEBOT_REQUIRE_CHROMIUM=1") || r.skipped != "" {
		t.Errorf("with %s=1: skipped %q, failed %q", pagetest.RequireEnv, r.skipped, r.failed)
	}

	dir := t.TempDir()
	fake := dir + "/chromium-browser"
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	r = &tb{TB: t}
	if path := pagetest.Chromium(r); path != fake || r.skipped != "" || r.failed != "" {
		t.Errorf("Chromium = %q, skipped %q, failed %q", path, r.skipped, r.failed)
	}
}
