// Package ops is invitebot's operations side: Prometheus metrics fed by the
// bot's Observer and by an instrumented store, readiness that follows the
// real polling state and the database, and the HTTP endpoints /healthz,
// /readyz and /metrics.
package ops

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers"
)

// Metrics are invitebot's Prometheus metrics, in a registry of their own
// (not the global default one). Every label value comes from a small fixed
// set: update kinds, the router's commands, Bot API method names, outcomes,
// store operation names. None is a chat, a user or a text from users.
type Metrics struct {
	reg *prometheus.Registry

	updatesReceived *prometheus.CounterVec
	updatesHandled  *prometheus.CounterVec
	handling        *prometheus.HistogramVec
	apiCalls        *prometheus.CounterVec
	apiDuration     *prometheus.HistogramVec
	retries         *prometheus.CounterVec
	tooMany         *prometheus.CounterVec
	retryAfter      *prometheus.CounterVec
	pacing          prometheus.Histogram
	polls           *prometheus.CounterVec
	lastPoll        prometheus.Gauge
	leader          prometheus.Gauge
	links           *prometheus.CounterVec
	joinRequests    *prometheus.CounterVec
	storeDuration   *prometheus.HistogramVec
	storeErrors     *prometheus.CounterVec
	unsureRepeats   *prometheus.CounterVec
	undecodable     *prometheus.CounterVec
	gateOutcomes    *prometheus.CounterVec
	guardAnswer     prometheus.Histogram
}

// Build describes the running binary for invitebot_build_info.
type Build struct {
	Version  string
	Revision string
	Go       string
}

// Routes are the label values that only the program's wiring knows: the
// update kinds it asks Telegram for (allowed_updates) and the commands its
// router has ("unknown" among them, for a command it does not have).
type Routes struct {
	Kinds    []string
	Commands []string
}

// apiMethods are the Bot API methods the bot calls: at start-up, in the
// update loop, in the handlers and in the middleware. A test of
// cmd/invitebot fails when the bot calls one that is not here.
var apiMethods = []string{
	"getMe", "deleteWebhook", "setMyCommands", "setMyDefaultAdministratorRights",
	"getUpdates",
	"sendMessage", "sendChatAction", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
	"getChatMember",
	"createChatInviteLink", "exportChatInviteLink", "editChatInviteLink", "revokeChatInviteLink",
	"approveChatJoinRequest", "declineChatJoinRequest",
	"answerChatJoinRequestQuery", "sendChatJoinRequestWebApp",
	// Links over time (issue 14).
	"sendDocument", "sendPhoto", "getChat", "createChatSubscriptionInviteLink", "editChatSubscriptionInviteLink",
}

// APIMethods are the Bot API methods whose series exist from start-up.
func APIMethods() []string { return slices.Clone(apiMethods) }

// unknownKind is bot.Kind's name for an update of no kind it knows.
const unknownKind = "unknown"

// handledOutcomes are the outcomes of handling an update (bot.Observer's
// UpdateHandled).
var handledOutcomes = []string{"ok", "error", "panic"}

// storeOperations are the names of the store's methods, the operation
// label of the store metrics: every method of Store, so that a new one is
// counted without a word here.
func storeOperations() []string {
	var ops []string
	for m := range reflect.TypeFor[Store]().Methods() {
		ops = append(ops, m.Name)
	}
	return ops
}

// latencyBuckets suit calls that take milliseconds to seconds.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// NewMetrics makes the metrics and registers them, with Go's runtime and
// process collectors and invitebot_build_info, in a new registry. Every
// series of a known label value (r's kinds and commands, the Bot API
// methods, the outcomes, the store operations) exists from the start, at
// 0, so that increase() sees the first event.
func NewMetrics(b Build, r Routes) *Metrics {
	const ns = "invitebot"
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		updatesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "updates_received_total",
			Help: "Updates received from getUpdates, by kind (message, callback_query, chat_join_request, ...)."}, []string{"kind"}),
		updatesHandled: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "updates_handled_total",
			Help: `Updates handled, by kind, command ("" for no command, "unknown" for a command the bot does not have) and outcome (ok, error, panic).`},
			[]string{"kind", "command", "outcome"}),
		handling: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "update_handling_seconds",
			Help: "Time spent handling one update, by kind and command.", Buckets: latencyBuckets}, []string{"kind", "command"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_calls_total",
			Help: "Tries of Bot API calls, by method and outcome (ok, refused, not_sent, unsure, 429, migrated, cancelled)."},
			[]string{"method", "outcome"}),
		apiDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "api_call_seconds",
			Help: "Duration of one try of a Bot API call, by method (getUpdates includes its long-poll wait).", Buckets: latencyBuckets},
			[]string{"method"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_retries_total",
			Help: "Bot API calls tried again, by method and the outcome of the failed try."}, []string{"method", "outcome"}),
		tooMany: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_too_many_requests_total",
			Help: "429 Too Many Requests answers met, by method."}, []string{"method"}),
		retryAfter: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_retry_after_seconds_total",
			Help: "Seconds spent waiting out 429 answers (retry_after), by method."}, []string{"method"}),
		pacing: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "pacing_wait_seconds",
			Help:    "Time a message waited to stay under Telegram's flood limits (0 for most).",
			Buckets: []float64{0, .01, .05, .1, .5, 1, 3, 10, 30, 60}}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "polls_total",
			Help: "getUpdates polls finished, by outcome: ok, error, conflict (409: another instance or a webhook)."}, []string{"outcome"}),
		lastPoll: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "last_successful_poll_timestamp_seconds",
			Help: "Unix time of the last getUpdates that succeeded (0: none yet)."}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "leader",
			Help: "1 on the instance that polls Telegram (the leader), 0 on a standby that waits to take over, and before leading."}),
		links: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "invite_links_total",
			Help: "Invite link changes Telegram confirmed, by action: created (createChatInviteLink), exported (a new primary link, exportChatInviteLink), edited, revoked."},
			[]string{"action"}),
		joinRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "join_requests_answered_total",
			Help: "Join requests answered through the bot and confirmed by Telegram, by answer (approved, declined)."}, []string{"answer"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "store_operation_seconds",
			Help: "Duration of store (SQLite) operations, by operation.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5}},
			[]string{"operation"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "store_errors_total",
			Help: "Store operations that failed, by operation (not found and conflict answers are not failures)."}, []string{"operation"}),
		unsureRepeats: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_unsure_repeats_total",
			Help: "Bot API calls not safe to repeat (a message, a new link) made again although they may have been carried out (their answer was lost, or the bot stopped in the middle), by method: a duplicate may exist."},
			[]string{"method"}),
		undecodable: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "updates_undecodable_total",
			Help: "Updates that could not be decoded, by kind (unknown when even that could not be told)."}, []string{"kind"}),
		gateOutcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "join_requests_total",
			Help: "What became of join requests by the chat's join mode, by outcome: approved (auto), declined (closed), queued (manual: left to the admins), verified, failed, timed_out (verify), unreachable (verify, but the check could not be delivered: left to the admins)."},
			[]string{"outcome"}),
		guardAnswer: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "guard_answer_seconds",
			Help:    "Time from a guard bot's join request arriving to its answer (approve, decline, queue or the verification page); Telegram waits 10 seconds.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2, 5, 8, 10}}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "build_info",
		Help:        "Always 1; the labels tell the build.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "goversion": b.Go}})
	info.Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		info,
		m.updatesReceived, m.updatesHandled, m.handling,
		m.apiCalls, m.apiDuration, m.retries, m.tooMany, m.retryAfter, m.pacing,
		m.polls, m.lastPoll, m.leader, m.links, m.joinRequests,
		m.storeDuration, m.storeErrors,
		m.unsureRepeats, m.undecodable,
		m.gateOutcomes, m.guardAnswer,
	)
	m.start(r)
	return m
}

// start makes every series of a known label value, at 0: a series that
// appears with its first event has no earlier sample, and increase() over
// it stays 0, so an alert on that event would not fire.
func (m *Metrics) start(r Routes) {
	kinds := append(slices.Clone(r.Kinds), unknownKind)
	for _, k := range kinds {
		m.updatesReceived.WithLabelValues(k)
		m.undecodable.WithLabelValues(k)
		m.handled(k, "")
	}
	for _, c := range r.Commands {
		m.handled("message", c)
	}
	for _, method := range apiMethods {
		m.apiDuration.WithLabelValues(method)
		for _, o := range bot.Outcomes() {
			m.apiCalls.WithLabelValues(method, string(o))
			if o != bot.OutcomeOK { // a try that failed is what a retry follows
				m.retries.WithLabelValues(method, string(o))
			}
		}
		m.tooMany.WithLabelValues(method)
		m.retryAfter.WithLabelValues(method)
		m.unsureRepeats.WithLabelValues(method)
	}
	for _, o := range []string{"ok", "error", "conflict"} {
		m.polls.WithLabelValues(o)
	}
	for _, a := range linkActions {
		m.links.WithLabelValues(a)
	}
	for _, a := range requestAnswers {
		m.joinRequests.WithLabelValues(a)
	}
	for _, op := range storeOperations() {
		m.storeDuration.WithLabelValues(op)
		m.storeErrors.WithLabelValues(op)
	}
	for _, o := range handlers.Outcomes {
		m.gateOutcomes.WithLabelValues(o)
	}
}

// SetLeader sets invitebot_leader: whether this instance leads (polls).
func (m *Metrics) SetLeader(leading bool) {
	if leading {
		m.leader.Set(1)
		return
	}
	m.leader.Set(0)
}

// JoinRequest counts what became of a join request (handlers.GateObserver).
func (m *Metrics) JoinRequest(outcome string) { m.gateOutcomes.WithLabelValues(outcome).Inc() }

// GuardAnswer times a guard bot's answer (handlers.GateObserver).
func (m *Metrics) GuardAnswer(took time.Duration) { m.guardAnswer.Observe(took.Seconds()) }

// handled makes the series of updates of kind handled for command.
func (m *Metrics) handled(kind, command string) {
	m.handling.WithLabelValues(kind, command)
	for _, o := range handledOutcomes {
		m.updatesHandled.WithLabelValues(kind, command, o)
	}
}

// Registry is the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// linkActions are the calls that change a link, and what their success
// counts as.
var linkActions = map[string]string{
	"createChatInviteLink": "created",
	"exportChatInviteLink": "exported",
	"editChatInviteLink":   "edited",
	"revokeChatInviteLink": "revoked",
}

// requestAnswers are the calls that answer join requests.
var requestAnswers = map[string]string{
	"approveChatJoinRequest": "approved",
	"declineChatJoinRequest": "declined",
}

// Observer reports what the client and the loop do to m, and the polls to
// h (which may be nil). Pass it as bot.ClientConfig.Observer and
// bot.Options.Observer.
func Observer(m *Metrics, h *Health) bot.Observer { return observer{m, h} }

type observer struct {
	m *Metrics
	h *Health
}

func (o observer) APICall(method string, outcome bot.Outcome, d time.Duration) {
	o.m.apiCalls.WithLabelValues(method, string(outcome)).Inc()
	o.m.apiDuration.WithLabelValues(method).Observe(d.Seconds())
	if outcome == bot.OutcomeTooMany {
		o.m.tooMany.WithLabelValues(method).Inc()
	}
	if outcome != bot.OutcomeOK {
		return
	}
	// Telegram's yes is what counts: a link the bot then failed to record
	// was made all the same (and is revoked again: that counts too).
	if a, ok := linkActions[method]; ok {
		o.m.links.WithLabelValues(a).Inc()
	}
	if a, ok := requestAnswers[method]; ok {
		o.m.joinRequests.WithLabelValues(a).Inc()
	}
}

func (o observer) Retry(method string, outcome bot.Outcome) {
	o.m.retries.WithLabelValues(method, string(outcome)).Inc()
}

func (o observer) RetryAfter(method string, wait time.Duration) {
	o.m.retryAfter.WithLabelValues(method).Add(wait.Seconds())
}

func (o observer) Paced(wait time.Duration) { o.m.pacing.Observe(wait.Seconds()) }

func (o observer) Poll(err error) {
	var apiErr *tgbotapi.Error
	switch {
	case err == nil:
		o.m.polls.WithLabelValues("ok").Inc()
		o.m.lastPoll.SetToCurrentTime()
	case errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict:
		o.m.polls.WithLabelValues("conflict").Inc()
	default:
		o.m.polls.WithLabelValues("error").Inc()
	}
	if o.h != nil {
		o.h.Poll(err)
	}
}

func (o observer) UpdateReceived(kind string) { o.m.updatesReceived.WithLabelValues(kind).Inc() }

func (o observer) UpdateHandled(kind, command, outcome string, d time.Duration) {
	o.m.updatesHandled.WithLabelValues(kind, command, outcome).Inc()
	o.m.handling.WithLabelValues(kind, command).Observe(d.Seconds())
}

func (o observer) UnsureRepeat(method string) { o.m.unsureRepeats.WithLabelValues(method).Inc() }

func (o observer) UpdateUndecodable(kind string) { o.m.undecodable.WithLabelValues(kind).Inc() }

// storeOp records one store operation.
func (m *Metrics) storeOp(op string, start time.Time, err error) {
	m.storeDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if failed(err) {
		m.storeErrors.WithLabelValues(op).Inc()
	}
}
