package verifypage

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/invitebot/invitebot/bot/webapp"
	"github.com/invitebot/invitebot/handlers/text"
)

//go:embed assets
var assetFS embed.FS

// csp is the Content-Security-Policy of every response (see the package
// documentation).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors https://web.telegram.org"

// asset is a file of the page, served from memory.
type asset struct {
	contentType string
	data        []byte
}

// handler is the page.
type handler struct {
	o      Options
	tmpl   *template.Template
	assets map[string]asset // by path under Prefix
	limits *limiter
}

// New returns the page's handler, to mount at Prefix. It panics if Gate or
// Catalog is nil or BotToken empty, mistakes of the wiring.
func New(o Options) http.Handler {
	if o.Gate == nil || o.Catalog == nil || o.BotToken == "" {
		panic("verifypage: New needs Gate, Catalog and BotToken")
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PerClient == (Limit{}) {
		o.PerClient = DefaultPerClient
	}
	if o.Overall == (Limit{}) {
		o.Overall = DefaultOverall
	}
	h := &handler{
		o:      o,
		tmpl:   template.Must(template.ParseFS(assetFS, "assets/page.html")),
		assets: make(map[string]asset),
		limits: newLimiter(o.PerClient, o.Overall),
	}
	for name, ct := range map[string]string{"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"} {
		data, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic("verifypage: " + err.Error()) // embedded above: cannot happen
		}
		h.assets["static/"+name] = asset{ct, data}
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")

	if wait, ok := h.limits.allow(h.client(r), h.o.Now()); !ok {
		hd.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		h.refuse(w, r, http.StatusTooManyRequests, "too_many", "rate_limited")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost:
		hd.Set("Allow", "GET, HEAD, POST")
		h.refuse(w, r, http.StatusMethodNotAllowed, "bad_request", "method")
		return
	case !ok:
		h.refuse(w, r, http.StatusNotFound, "unknown", "not_found")
		return
	}
	if a, ok := h.assets[rest]; ok {
		if r.Method == http.MethodPost {
			hd.Set("Allow", "GET, HEAD")
			h.refuse(w, r, http.StatusMethodNotAllowed, "bad_request", "method")
			return
		}
		hd.Set("Content-Type", a.contentType)
		hd.Set("Content-Length", strconv.Itoa(len(a.data)))
		w.Write(a.data)
		return
	}
	if !ValidToken(rest) {
		h.refuse(w, r, http.StatusNotFound, "unknown", "not_found")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.Timeout)
	defer cancel()
	if r.Method == http.MethodPost {
		h.press(ctx, w, r, rest)
	} else {
		h.show(ctx, w, r, rest)
	}
}

// show answers GET: the check, or why there is none.
func (h *handler) show(ctx context.Context, w http.ResponseWriter, r *http.Request, token string) {
	req, ok := h.request(ctx, w, r, token)
	if !ok {
		return
	}
	p := h.o.Catalog.For(req.Language)
	h.render(w, http.StatusOK, h.check(p, token, req, false, ""))
}

// press answers POST: the button. Nothing is approved unless every check
// passes; Gate.Pass checks the request's state again, and approves once.
func (h *handler) press(ctx context.Context, w http.ResponseWriter, r *http.Request, token string) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		h.refuse(w, r, status, "bad_request", "bad_form")
		return
	}
	req, ok := h.request(ctx, w, r, token)
	if !ok {
		return
	}
	p := h.o.Catalog.For(req.Language)
	raw := r.PostForm.Get("init_data")
	if raw == "" {
		h.outcome(w, p, http.StatusBadRequest, "no_init_data", 0)
		return
	}
	d, err := webapp.Validate(raw, h.o.BotToken, h.o.MaxAge, h.o.Now())
	switch {
	case errors.Is(err, webapp.ErrStale) || errors.Is(err, webapp.ErrFuture):
		h.o.Log.Debug().Err(err).Msg("verification page: stale init data")
		h.outcome(w, p, http.StatusForbidden, "stale", 0)
		return
	case err != nil:
		h.o.Log.Debug().Err(err).Msg("verification page: init data refused")
		h.outcome(w, p, http.StatusForbidden, "bad_init_data", 0)
		return
	case d.User.ID != req.UserID:
		h.outcome(w, p, http.StatusForbidden, "wrong_user", d.User.ID)
		return
	}
	err = h.o.Gate.Pass(ctx, token, d.User.ID)
	if err == nil {
		h.o.Log.Info().Int64("user_id", d.User.ID).Str("outcome", "approved").Msg("verification page: request approved")
		h.render(w, http.StatusOK, h.view(p, p.P("page.approved.title"), p.P("page.approved.text", "Chat", req.ChatTitle)))
		return
	}
	if h.gateRefused(w, r, err, d.User.ID, p) {
		return
	}
	// Telegram did not confirm: the request is still pending, and the
	// init data still good; offer the button again, with it.
	h.o.Log.Warn().Err(err).Int64("user_id", d.User.ID).Msg("verification page: the approval failed")
	w.Header().Set("Retry-After", "5")
	h.render(w, http.StatusServiceUnavailable, h.check(p, token, req, true, raw))
}

// request looks token's request up, and answers if there is none (or its
// deadline passed: the Gate's clock and the page's may differ).
func (h *handler) request(ctx context.Context, w http.ResponseWriter, r *http.Request, token string) (Request, bool) {
	req, err := h.o.Gate.Request(ctx, token)
	switch {
	case err == nil && !h.o.Now().Before(req.Deadline):
		err = ErrExpired
	case err == nil:
		return req, true
	}
	if !h.gateRefused(w, r, err, 0, h.o.Catalog.For(req.Language)) {
		h.o.Log.Warn().Err(err).Msg("verification page: looking up the request failed")
		h.refuse(w, r, http.StatusInternalServerError, "error", "error")
	}
	return Request{}, false
}

// gateRefused answers one of the Gate's refusals, and tells whether err
// was one. An unknown token's page is in the browser's language (there is
// no request to tell the requester's).
func (h *handler) gateRefused(w http.ResponseWriter, r *http.Request, err error, userID int64, p *text.Printer) bool {
	switch {
	case errors.Is(err, ErrUnknown):
		h.refuse(w, r, http.StatusNotFound, "unknown", "unknown")
	case errors.Is(err, ErrExpired):
		h.outcome(w, p, http.StatusGone, "expired", userID)
	case errors.Is(err, ErrHandled):
		h.outcome(w, p, http.StatusConflict, "handled", userID)
	case errors.Is(err, ErrWrongUser):
		h.outcome(w, p, http.StatusForbidden, "wrong_user", userID)
	default:
		return false
	}
	return true
}

// outcome answers with the page of a refusal: page.ID.title and
// page.ID.text, in p's language.
func (h *handler) outcome(w http.ResponseWriter, p *text.Printer, status int, id string, userID int64) {
	ev := h.o.Log.Debug().Str("outcome", id)
	if userID != 0 {
		ev = ev.Int64("user_id", userID)
	}
	ev.Msg("verification page: refused")
	h.render(w, status, h.view(p, p.P("page."+id+".title"), p.P("page."+id+".text")))
}

// refuse is outcome in the browser's language (Accept-Language), for
// answers about no request.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, status int, id, why string) {
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	codes := make([]string, 0, min(len(tags), 5))
	for _, t := range tags[:min(len(tags), 5)] {
		codes = append(codes, t.String())
	}
	p := h.o.Catalog.For(codes...)
	h.o.Log.Debug().Str("outcome", why).Int("status", status).Msg("verification page: refused")
	h.render(w, status, h.view(p, p.P("page."+id+".title"), p.P("page."+id+".text")))
}

// view is what page.html shows.
type view struct {
	Lang, Dir  string
	Title      string   // the document's title and heading
	Lines      []string // paragraphs
	RulesTitle string
	Rules      string
	Note       string // under the rules
	Form       *form
}

// form is the button, posting to Action.
type form struct {
	Action   string
	InitData string // set again after Telegram failed, so that the button works again
	Button   string
}

func (h *handler) view(p *text.Printer, title string, lines ...string) view {
	v := view{Lang: p.Lang(), Dir: "ltr", Title: title, Lines: lines}
	if p.RTL() {
		v.Dir = "rtl"
	}
	return v
}

// check is the page with the button; again after Telegram failed (retry),
// with the init data that passed.
func (h *handler) check(p *text.Printer, token string, req Request, retry bool, initData string) view {
	title, intro := p.P("page.check.title", "Chat", req.ChatTitle), p.P("page.check.text", "Chat", req.ChatTitle)
	if retry {
		title, intro = p.P("page.retry.title"), p.P("page.retry.text")
	}
	v := h.view(p, title, intro)
	v.Note = p.P("page.check.deadline", "Deadline", req.Deadline)
	if req.Rules != "" {
		v.RulesTitle, v.Rules = p.P("page.check.rules"), req.Rules
	}
	v.Form = &form{Action: Prefix + token, InitData: initData, Button: p.P("page.check.button")}
	return v
}

func (h *handler) render(w http.ResponseWriter, status int, v view) {
	var b bytes.Buffer
	if err := h.tmpl.Execute(&b, v); err != nil {
		h.o.Log.Error().Err(err).Msg("verification page: rendering failed")
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString("<!doctype html><title>Error</title><p>Error</p>\n")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
