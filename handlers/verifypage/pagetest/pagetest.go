// Package pagetest drives a real browser, headless Chromium, for tests of
// web pages, such as the verification page: open a URL in a tab, press a
// button, read what the page says, and learn what the browser complained
// of (a Content-Security-Policy violation, a script error, a resource
// that failed to load). It is for tests only: it imports testing.
//
// One browser serves a whole test binary, started at the first Open; a
// test binary that opens pages ends it in TestMain with Run:
//
//	func TestMain(m *testing.M) { os.Exit(pagetest.Run(m)) }
//
// Chromium is found on the PATH (chromium, chromium-browser,
// google-chrome, google-chrome-stable). Without one, Open skips the test,
// saying so, unless the environment sets INVITEBOT_REQUIRE_CHROMIUM=1 (as
// CI does, having installed it): then the test fails. Chromium runs
// headless, without its sandbox (CI runs as root, where the sandbox
// cannot start); the pages it opens are the test's own, on 127.0.0.1.
//
// Every step waits for a condition (an element, a page load) with a
// deadline of Timeout, never for a fixed time, so that the tests hold on
// a loaded machine.
package pagetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Timeout bounds each step: starting the browser, opening a tab, loading
// a page, finding an element.
const Timeout = 30 * time.Second

// RequireEnv is the environment variable that turns a missing Chromium
// from a skip into a failure.
const RequireEnv = "INVITEBOT_REQUIRE_CHROMIUM"

// Names are the commands tried, in order, to find Chromium.
var Names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// The browser the test binary shares.
var shared struct {
	mu     sync.Mutex
	ctx    context.Context // the browser's, parent of every tab
	cancel context.CancelFunc
	err    error
}

// Run runs the tests and then ends the browser, if one was started.
// Call it from TestMain.
func Run(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cancel != nil {
		shared.cancel()
		shared.cancel, shared.ctx = nil, nil
	}
	return code
}

// Chromium returns the path of Chromium, or skips the test (fails it
// when RequireEnv is 1).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range Names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("pagetest: no Chromium found (tried %s on the PATH); install Debian's chromium package to run the browser tests", strings.Join(Names, ", "))
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 requires it)", msg, RequireEnv)
		return ""
	}
	t.Skip(msg)
	return ""
}

// browser returns the shared browser, starting it if needed.
func browser(t testing.TB) context.Context {
	t.Helper()
	path := Chromium(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ctx == nil && shared.err == nil {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(allocCtx)
		cancel := func() { cancelBrowser(); cancelAlloc() }
		// The first Do starts the browser and binds it to ctx, which has
		// no deadline; the wait for it has one.
		if err := within(ctx, cancel, func() error { return chromedp.Do(ctx) }); err != nil {
			cancel()
			shared.err = fmt.Errorf("starting %s: %w", path, err)
		} else {
			shared.ctx, shared.cancel = ctx, cancel
		}
	}
	if shared.err != nil {
		t.Fatalf("pagetest: %v", shared.err)
	}
	return shared.ctx
}

// within runs f, and if it has not returned after Timeout, cancels (which
// makes f return) and says so.
func within(ctx context.Context, cancel func(), f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		cancel()
		<-done
		return fmt.Errorf("no answer within %s", Timeout)
	}
}

// Browser is a tab of the shared browser.
type Browser struct {
	t   testing.TB
	ctx context.Context // the tab's

	mu        sync.Mutex
	problems  []string
	status    int             // of the last document loaded
	documents map[string]bool // the documents' URLs, without fragment
}

// Option sets up a tab before it opens its page.
type Option func(*setup)

type setup struct{ width, height int64 }

// Viewport makes the tab's window width by height CSS pixels, as a phone
// that scales 2 device pixels to one, with touch.
func Viewport(width, height int64) Option {
	return func(s *setup) { s.width, s.height = width, height }
}

// Open opens url in a new tab and waits until it has loaded. The tab is
// closed when the test ends.
func Open(t testing.TB, url string, opts ...Option) *Browser {
	t.Helper()
	var s setup
	for _, o := range opts {
		o(&s)
	}
	ctx, cancel := chromedp.NewContext(browser(t))
	t.Cleanup(cancel)
	b := &Browser{t: t, ctx: ctx, documents: make(map[string]bool)}
	err := within(ctx, cancel, func() error {
		// The first Do opens the tab. Then, before any page: what the
		// browser reports, and a listener for CSP violations, which
		// DevTools runs in every document whatever its policy.
		if err := chromedp.Do(ctx); err != nil {
			return err
		}
		if err := chromedp.Listen(ctx, b.listen); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violationListener})
		if err != nil {
			return err
		}
		if s.width > 0 {
			return chromedp.Do(ctx, chromedp.EmulateViewport(s.width, s.height, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("pagetest: opening a tab: %v", err)
	}
	b.navigate(url)
	return b
}

// violationListener reports every securitypolicyviolation event of a
// document on the console, where listen finds it.
const violationListener = `document.addEventListener("securitypolicyviolation", function (e) {
	console.error("Content-Security-Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// listen records what the browser reports as wrong. It runs in the tab's
// event loop: it must be quick and call nothing.
func (b *Browser) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *log.EventEntryAdded:
		e := ev.Entry
		b.mu.Lock()
		document := b.documents[redact(e.URL)]
		b.mu.Unlock()
		switch {
		case isFavicon(e.URL), e.Source == log.EntrySourceNetwork && document:
			return // a document's status is no problem (see Status)
		case e.Level == log.EntryLevelError || e.Level == log.EntryLevelWarning || e.Source == log.EntrySourceSecurity || e.Source == log.EntrySourceViolation:
			problem = fmt.Sprintf("log %s/%s: %s %s", e.Source, e.Level, e.Text, redact(e.URL))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			problem = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "exception: " + d.Text
		if d.Exception != nil {
			problem += " " + d.Exception.Description
		}
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			problem = fmt.Sprintf("loading a %s failed: %s %s", ev.Type, ev.ErrorText, ev.BlockedReason)
		}
	case *network.EventResponseReceived:
		if isFavicon(ev.Response.URL) {
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if ev.Type == network.ResourceTypeDocument {
			b.status = int(ev.Response.Status)
			b.documents[redact(ev.Response.URL)] = true
		} else if ev.Response.Status >= 400 {
			b.problems = append(b.problems, fmt.Sprintf("%s %s: HTTP %d", ev.Type, ev.Response.URL, ev.Response.Status))
		}
		return
	}
	if problem != "" {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.problems = append(b.problems, problem)
	}
}

// isFavicon tells the browser's own request for /favicon.ico, which it
// makes for any page that names no icon: not the page's problem.
func isFavicon(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Path == "/favicon.ico"
}

// run runs one action on the tab within Timeout and returns its value.
func run[T any](b *Browser, what string, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.t.Fatalf("pagetest: %s: %v", what, err)
	}
	return v
}

func (b *Browser) navigate(url string) {
	b.t.Helper()
	resp := run(b, "opening "+redact(url), chromedp.NavigateResponse(url))
	b.setStatus(resp)
}

func (b *Browser) setStatus(resp *network.Response) {
	if resp != nil {
		b.mu.Lock()
		b.status = int(resp.Status)
		b.mu.Unlock()
	}
}

// Navigate opens url in the tab, and waits until it has loaded.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.navigate(url)
}

// Press clicks the first element that the CSS selector matches, waiting
// for it to be visible, and waits until the page the click leads to has
// loaded (a form's answer).
func (b *Browser) Press(selector string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("pagetest: pressing %s: %v", selector, err)
	}
	b.setStatus(resp)
}

// Text is the text a person sees in the first element that the CSS
// selector matches (its innerText), waiting for it to be visible.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	return run(b, "reading "+selector, chromedp.Text(chromedp.CSS(selector), chromedp.NodeVisible))
}

// Has tells whether the page has an element that the CSS selector
// matches, now.
func (b *Browser) Has(selector string) bool {
	b.t.Helper()
	return Eval[bool](b, fmt.Sprintf("document.querySelector(%q) !== null", selector))
}

// Value is the value of the first form field that the CSS selector
// matches.
func (b *Browser) Value(selector string) string {
	b.t.Helper()
	return run(b, "reading the value of "+selector, chromedp.Value(chromedp.CSS(selector)))
}

// Title is the document's title.
func (b *Browser) Title() string {
	b.t.Helper()
	return run(b, "reading the title", chromedp.Title())
}

// Status is the HTTP status of the document shown.
func (b *Browser) Status() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Problems are what the browser reported as wrong since the tab opened:
// Content-Security-Policy violations, console errors and warnings,
// uncaught exceptions, resources that failed to load or answered with an
// HTTP error. The documents' own statuses are not problems (see Status),
// nor is the browser's own request for /favicon.ico.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Eval evaluates a JavaScript expression in the page and returns its
// value (decoded from JSON into T); a promise is awaited.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	return run(b, "evaluating "+expr, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Screenshot is a PNG of the whole page, for a person to look at.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	return run(b, "taking a screenshot", chromedp.FullScreenshot(100))
}

// LaunchURL is the URL that a Telegram client opens for a Mini App at
// pageURL: the init data (as Telegram signed it, URL-encoded) in the
// fragment as tgWebAppData, with the launch parameters that come with it.
func LaunchURL(pageURL, initData string) string {
	v := url.Values{"tgWebAppData": {initData}, "tgWebAppVersion": {"9.1"}, "tgWebAppPlatform": {"android"}}
	return pageURL + "#" + v.Encode()
}

// redact cuts a URL's fragment (the init data) from what is reported.
func redact(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}
