package bot_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

const (
	chatA int64 = -1001000000001
	chatB int64 = -1001000000002
	user  int64 = 5000000001
)

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// loop runs bot.Run against a fake Telegram with h as the handler.
type loop struct {
	srv    *bottest.Server
	logs   *syncBuf
	cancel context.CancelFunc
	done   chan error
}

func startLoop(t *testing.T, h bot.HandlerFunc, onError func(context.Context, *bot.Update, error), drain time.Duration) *loop {
	t.Helper()
	srv := world(t)
	for _, id := range []int64{chatA, chatB} {
		srv.SetMember(id, user, bottest.Member{Status: "member"})
	}
	c := newClient(t, srv, bot.ClientConfig{Pace: bot.TelegramPace})
	l := &loop{srv: srv, logs: &syncBuf{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go func() {
		l.done <- bot.Run(ctx, c, h, bot.Options{
			PollTimeout:    5 * time.Second,
			AllowedUpdates: []string{"message", "callback_query"},
			Log:            zerolog.New(l.logs),
			OnError:        onError,
			DrainTimeout:   drain,
		})
	}()
	t.Cleanup(func() { l.stop(t) })
	return l
}

func (l *loop) stop(t *testing.T) {
	t.Helper()
	l.cancel()
	select {
	case err, ok := <-l.done:
		if ok && err != nil {
			t.Errorf("Run = %v", err)
		}
		if ok {
			close(l.done)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after the stop")
	}
}

// recorder is a handler that records the texts it saw.
type recorder struct {
	mu    sync.Mutex
	texts []string
}

func (r *recorder) handle(_ context.Context, u *bot.Update) error {
	if u.Message != nil {
		r.mu.Lock()
		r.texts = append(r.texts, u.Message.Text)
		r.mu.Unlock()
	}
	return nil
}

func (r *recorder) seen(text string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.texts {
		if t == text {
			return true
		}
	}
	return false
}

func TestRunKeepsPollingThroughErrors(t *testing.T) {
	rec := &recorder{}
	l := startLoop(t, rec.handle, nil, 0)
	l.srv.FailNext("getUpdates", bottest.GatewayReply())
	l.srv.FailNext("getUpdates", bottest.Reply{Drop: true})
	l.srv.FailNext("getUpdates", bottest.ErrorReply(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"))
	l.srv.PushMessage(chatA, user, "after the storm")
	// Once a poll follows the three faults, each of them has been logged.
	l.srv.WaitFor(t, "the update handled and a poll after the faults", func() bool {
		faults, after := 0, false
		for _, c := range l.srv.CallsTo("getUpdates") {
			if c.Fault != "" {
				faults++
			} else if faults == 3 {
				after = true
			}
		}
		return rec.seen("after the storm") && after
	})
	logs := l.logs.String()
	if !strings.Contains(logs, "another instance of this bot is polling, or a webhook is set") {
		t.Errorf("409 not explained in the logs:\n%s", logs)
	}
	if strings.Count(logs, "getUpdates failed; retrying") < 2 {
		t.Errorf("poll failures not logged:\n%s", logs)
	}
}

func TestRunRecoversPanics(t *testing.T) {
	var mu sync.Mutex
	var apologised []int
	rec := &recorder{}
	h := func(ctx context.Context, u *bot.Update) error {
		if u.Message != nil && u.Message.Text == "boom" {
			panic("handler exploded")
		}
		if u.Message != nil && u.Message.Text == "fail" {
			return errors.New("it broke")
		}
		return rec.handle(ctx, u)
	}
	onError := func(_ context.Context, u *bot.Update, _ error) {
		mu.Lock()
		apologised = append(apologised, u.ID)
		mu.Unlock()
	}
	l := startLoop(t, h, onError, 0)
	boom, _ := l.srv.PushMessage(chatA, user, "boom")
	fail, _ := l.srv.PushMessage(chatA, user, "fail")
	last, _ := l.srv.PushMessage(chatA, user, "still here")
	// Once the three are fetched, a stop drains them: then all are handled.
	l.srv.WaitFor(t, "the updates fetched", func() bool { return l.srv.Confirmed() >= last })
	l.stop(t)
	if !rec.seen("still here") {
		t.Error("the update after the panic and the error was not handled")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(apologised) != 2 || int64(apologised[0]) != boom || int64(apologised[1]) != fail {
		t.Errorf("OnError called for %v, want [%d %d]", apologised, boom, fail)
	}
	logs := l.logs.String()
	for _, want := range []string{"handler exploded", `"stack":"goroutine`, `"update_id":` + itoa(boom), `"chat_id":` + itoa(chatA), `"user_id":` + itoa(user), "it broke"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

// memJournal is a journal in memory.
type memJournal struct {
	mu      sync.Mutex
	last    int64
	pending map[int64][]byte
}

func (j *memJournal) PendingUpdates(context.Context) (int64, []bot.JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []bot.JournalEntry
	for id, raw := range j.pending {
		out = append(out, bot.JournalEntry{ID: id, Raw: raw})
	}
	return j.last, out, nil
}

func (j *memJournal) AcceptUpdates(_ context.Context, last int64, keep []bot.JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.last = max(j.last, last)
	for _, e := range keep {
		j.pending[e.ID] = append([]byte(nil), e.Raw...)
	}
	return nil
}

func (j *memJournal) FinishUpdate(_ context.Context, id int64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.pending, id)
	return nil
}

func (j *memJournal) PendingAfter(_ context.Context, after int64, limit int) ([]bot.JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []bot.JournalEntry
	for id, raw := range j.pending {
		if id > after {
			out = append(out, bot.JournalEntry{ID: id, Raw: raw})
		}
	}
	slices.SortFunc(out, func(a, b bot.JournalEntry) int { return cmp.Compare(a.ID, b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (j *memJournal) has(id int64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.pending[id]
	return ok
}

func TestRunKeepsUndecodableUpdates(t *testing.T) {
	srv := world(t)
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	c := newClient(t, srv, bot.ClientConfig{})
	rec := &recorder{}
	obs := &recordingObserver{}
	j := &memJournal{pending: map[int64][]byte{}}
	logs := &syncBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, c, rec.handle, bot.Options{PollTimeout: 5 * time.Second, AllowedUpdates: []string{"message"},
			Log: zerolog.New(logs), Journal: j, Observer: obs})
	}()
	defer func() { cancel(); <-done }()
	// Nested deeper than the parser goes: Telegram would not send it, but
	// if an update cannot be read it must not be lost.
	deep := strings.Repeat(`{"a":`, 400) + `1` + strings.Repeat(`}`, 400)
	bad := srv.PushUpdate([]byte(`{"update_id":1,"message":` + deep + `}`))
	good, _ := srv.PushMessage(chatA, user, "fine")
	srv.WaitFor(t, "the good update handled and confirmed", func() bool { return rec.seen("fine") && !j.has(good) && srv.Confirmed() >= good })
	if !strings.Contains(logs.String(), "cannot decode an update") || !strings.Contains(logs.String(), `"update_id":`+itoa(bad)) {
		t.Errorf("the bad update is not logged with its ID:\n%s", logs.String())
	}
	if !j.has(bad) {
		t.Errorf("the bad update was dropped from the journal")
	}
	if !obs.has("undecodable message") {
		t.Errorf("the bad update is not counted")
	}
}

func TestRunStopDrainsThenConfirms(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	var finished sync.WaitGroup
	finished.Add(1)
	h := func(ctx context.Context, u *bot.Update) error {
		if u.Message != nil && u.Message.Text == "slow" {
			close(started)
			<-release
			if ctx.Err() != nil {
				return ctx.Err() // cut off: must not happen within the drain time
			}
			finished.Done()
		}
		return nil
	}
	l := startLoop(t, h, nil, 10*time.Second)
	id, _ := l.srv.PushMessage(chatA, user, "slow")
	<-started
	stopped := make(chan struct{})
	go func() { l.stop(t); close(stopped) }()
	// The poll ends at once; the slow update is still in hand.
	l.srv.WaitFor(t, "the long poll released", func() bool { return !l.srv.Polling() })
	select {
	case <-stopped:
		t.Fatal("Run returned before the update in hand finished")
	default:
	}
	close(release)
	<-stopped
	finished.Wait()
	if l.srv.Confirmed() < id || l.srv.Pending() != 0 {
		t.Errorf("after the stop: confirmed %d (want %d), pending %d", l.srv.Confirmed(), id, l.srv.Pending())
	}
}

func TestRunStopCutsOffAfterDrainTimeout(t *testing.T) {
	started := make(chan struct{})
	h := func(ctx context.Context, u *bot.Update) error {
		if u.Message != nil && u.Message.Text == "stuck" {
			close(started)
			<-ctx.Done() // a handler that only ends when cut off
			return ctx.Err()
		}
		return nil
	}
	l := startLoop(t, h, nil, 100*time.Millisecond)
	id, _ := l.srv.PushMessage(chatA, user, "stuck")
	<-started
	l.stop(t)
	if !strings.Contains(l.logs.String(), "drain deadline") {
		t.Errorf("the cut-off is not logged:\n%s", l.logs.String())
	}
	// The stop itself confirms nothing past the update that was cut off.
	// (The next poll had confirmed it already: Telegram's confirmation is a
	// prefix, so keeping it unconfirmed needs a durable inbox.)
	for _, c := range l.srv.CallsTo("getUpdates") {
		if off, _ := strconv.ParseInt(c.Params["offset"], 10, 64); off > id && c.Params["limit"] == "1" {
			t.Errorf("the stop confirmed past the cut-off update: %v", c.Params)
		}
	}
}

func itoa[T int | int64](v T) string { return strconv.FormatInt(int64(v), 10) }

func TestRunDoesNotBusyPoll(t *testing.T) {
	rec := &recorder{}
	l := startLoop(t, rec.handle, nil, 0)
	var mu sync.Mutex
	var at []time.Time
	// A server that answers every poll at once, with nothing.
	l.srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		if c.Method != "getUpdates" {
			return bottest.Reply{}, false
		}
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		return bottest.Reply{Body: []byte(`{"ok":true,"result":[]}`)}, true
	})
	l.srv.PushMessage(chatA, user, "ends the long poll in progress")
	polls := func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Time(nil), at...)
	}
	l.srv.WaitFor(t, "five empty polls", func() bool { return len(polls()) >= 5 })
	got := polls()
	// Each empty poll that came back at once waits before the next, twice
	// as long as the one before: 250 ms, 500 ms, 1 s, 2 s.
	for i, want := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second} {
		if gap := got[i+1].Sub(got[i]); gap < want-10*time.Millisecond {
			t.Errorf("poll %d came %v after the one before, want at least %v", i+2, gap, want)
		}
	}
	if n := strings.Count(l.logs.String(), "getUpdates returned nothing long before its timeout"); n != 1 {
		t.Errorf("the early empty polls are logged %d times, want once:\n%s", n, l.logs.String())
	}
}

// TestRunCaughtUp: CaughtUp comes once, after every update that waited for
// the bot at its start is handled, across more than one batch.
func TestRunCaughtUp(t *testing.T) {
	srv := world(t)
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	const backlog = 150 // more than one poll's batch
	for i := range backlog {
		srv.PushMessage(chatA, user, "m"+strconv.Itoa(i))
	}
	c := newClient(t, srv, bot.ClientConfig{})
	var mu sync.Mutex
	handled := 0
	h := func(context.Context, *bot.Update) error {
		mu.Lock()
		handled++
		mu.Unlock()
		return nil
	}
	caught := make(chan int, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, c, h, bot.Options{
			PollTimeout: time.Second, AllowedUpdates: []string{"message"}, Log: zerolog.Nop(),
			CaughtUp: func() {
				mu.Lock()
				caught <- handled
				mu.Unlock()
			},
		})
	}()
	defer cancel()
	select {
	case n := <-caught:
		if n != backlog {
			t.Errorf("CaughtUp after %d updates handled, want all %d", n, backlog)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("CaughtUp never came")
	}
	srv.PushMessage(chatA, user, "later")
	srv.WaitFor(t, "the later update confirmed", func() bool { return srv.Pending() == 0 })
	cancel()
	<-done
	if len(caught) != 0 {
		t.Errorf("CaughtUp came more than once")
	}
}

// TestRunSpillsToTheJournal: with the hands full (MaxPending) and a
// journal, polling goes on: the updates that do not fit wait in the
// journal and are handled later, in order, none lost; a guard bot's join
// request behind them is handled at once.
func TestRunSpillsToTheJournal(t *testing.T) {
	me := bottest.NewServer(t).Bot()
	me.SupportsJoinRequestQueries = true
	srv := bottest.NewServer(t, bottest.WithBot(me))
	srv.AddUser(bottest.User{ID: user, FirstName: "Alice"})
	srv.AddUser(bottest.User{ID: user + 1, FirstName: "Bob"})
	for _, id := range []int64{chatA, chatB} {
		srv.AddChat(bottest.Chat{ID: id, Type: "supergroup", Title: "G"})
		srv.SetMember(id, me.ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	}
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	srv.SetGuardBot(chatB, true)
	c := newClient(t, srv, bot.ClientConfig{})

	release := make(chan struct{})
	guard := make(chan string, 1)
	var mu sync.Mutex
	var texts []string
	h := func(_ context.Context, u *bot.Update) error {
		if u.JoinRequest != nil {
			guard <- u.JoinRequest.QueryID
			return nil
		}
		<-release
		mu.Lock()
		texts = append(texts, u.Message.Text)
		mu.Unlock()
		return nil
	}
	j := &memJournal{pending: map[int64][]byte{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, c, h, bot.Options{PollTimeout: time.Second, AllowedUpdates: []string{"message", "chat_join_request"},
			Log: zerolog.Nop(), Journal: j, MaxPending: 5, Workers: 2})
	}()
	defer func() { cancel(); <-done }()

	const n = 40
	for i := range n {
		srv.PushMessage(chatA, user, "m"+strconv.Itoa(i))
	}
	srv.PushJoinRequest(chatB, user+1, "")
	select {
	case q := <-guard:
		if q == "" {
			t.Error("the join request came without its query")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the guard bot's request waited behind the full hands")
	}
	// Every update was taken from Telegram meanwhile: polling went on.
	srv.WaitFor(t, "every update confirmed to Telegram", func() bool { return srv.Pending() == 0 })
	close(release)
	srv.WaitFor(t, "every message handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(texts) == n
	})
	mu.Lock()
	defer mu.Unlock()
	for i, text := range texts {
		if text != "m"+strconv.Itoa(i) {
			t.Fatalf("handled in the order %v", texts)
		}
	}
}

// TestRunAbandon: a Run stopped with ErrAbandon (another instance takes
// over) does not wait out the drain time: it cuts its updates off at once,
// confirms nothing, and leaves what it did not finish in the journal, where
// the next Run finds it and handles it, and nothing that was finished.
func TestRunAbandon(t *testing.T) {
	srv := world(t)
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	j := &memJournal{pending: map[int64][]byte{}}
	var mu sync.Mutex
	seen := map[string]int{}
	stuck := make(chan struct{}, 1)
	h := func(ctx context.Context, u *bot.Update) error {
		if u.Message == nil {
			return nil
		}
		mu.Lock()
		seen[u.Message.Text]++
		n := seen[u.Message.Text]
		mu.Unlock()
		if u.Message.Text == "stuck" && n == 1 {
			stuck <- struct{}{}
			<-ctx.Done() // only a cut-off ends it
			return ctx.Err()
		}
		return nil
	}
	run := func(ctx context.Context) chan error {
		done := make(chan error, 1)
		c := newClient(t, srv, bot.ClientConfig{})
		go func() {
			done <- bot.Run(ctx, c, h, bot.Options{PollTimeout: 5 * time.Second, AllowedUpdates: []string{"message"},
				Log: zerolog.New(&syncBuf{}), Journal: j, DrainTimeout: 10 * time.Second})
		}()
		return done
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := run(ctx)
	first, _ := srv.PushMessage(chatA, user, "first")
	srv.WaitFor(t, "the first update finished", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen["first"] == 1 && !j.has(first)
	})
	held, _ := srv.PushMessage(chatA, user, "stuck")
	<-stuck
	srv.WaitFor(t, "the poll after the stuck update", func() bool { return srv.Polling() })
	calls := len(srv.CallsTo("getUpdates"))
	abandoned := time.Now()
	cancel(bot.ErrAbandon)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an abandoning Run did not return within 5s (it waited for the drain?)")
	}
	if took := time.Since(abandoned); took > 2*time.Second {
		t.Errorf("an abandoning Run took %v to return, want about its grace of a second at most", took)
	}
	if n := len(srv.CallsTo("getUpdates")); n != calls {
		t.Errorf("an abandoning Run called getUpdates %d more times (it must not confirm)", n-calls)
	}
	if !j.has(held) {
		t.Fatal("the update cut off is not in the journal any more")
	}

	// The next poller handles what was left, and only that.
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := run(ctx2)
	defer func() { cancel2(); <-done2 }()
	srv.WaitFor(t, "the cut-off update handled again", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen["stuck"] == 2 && !j.has(held)
	})
	mu.Lock()
	defer mu.Unlock()
	if seen["first"] != 1 {
		t.Errorf("the update finished before the abandon was handled %d times", seen["first"])
	}
}

// hookJournal is a memJournal with hooks on what the loop and the feeder
// ask of it.
type hookJournal struct {
	*memJournal
	afterAccept  func(last int64)
	beforeFeed   func(after int64)
	afterFeeding func(after int64, got []bot.JournalEntry)
}

func (j *hookJournal) AcceptUpdates(ctx context.Context, last int64, keep []bot.JournalEntry) error {
	err := j.memJournal.AcceptUpdates(ctx, last, keep)
	if j.afterAccept != nil {
		j.afterAccept(last)
	}
	return err
}

func (j *hookJournal) PendingAfter(ctx context.Context, after int64, limit int) ([]bot.JournalEntry, error) {
	if j.beforeFeed != nil {
		j.beforeFeed(after)
	}
	got, err := j.memJournal.PendingAfter(ctx, after, limit)
	if j.afterFeeding != nil {
		j.afterFeeding(after, got)
	}
	return got, err
}

// TestRunReplayMeetsNewBatch: while the updates left from the last run
// are handed back from the journal, a new batch is recorded there; the
// feeder reads it before the loop hands it in. It must be handled once:
// the feeder hands in only what was left to it, the loop the rest.
func TestRunReplayMeetsNewBatch(t *testing.T) {
	srv := world(t)
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	srv.SetMember(chatB, user, bottest.Member{Status: "member"})
	j := &memJournal{pending: map[int64][]byte{}}
	var mu sync.Mutex
	seen := map[string]int{}
	count := func(text string) int {
		mu.Lock()
		defer mu.Unlock()
		return seen[text]
	}
	newStored := make(chan struct{})
	h := func(ctx context.Context, u *bot.Update) error {
		if u.Message == nil {
			return nil
		}
		mu.Lock()
		seen[u.Message.Text]++
		n := seen[u.Message.Text]
		mu.Unlock()
		if u.Message.Text == "old" && n == 1 {
			<-ctx.Done() // the first run is abandoned with it in hand
			return ctx.Err()
		}
		return nil
	}
	run := func(ctx context.Context, jr bot.Journal) chan error {
		done := make(chan error, 1)
		c := newClient(t, srv, bot.ClientConfig{})
		go func() {
			done <- bot.Run(ctx, c, h, bot.Options{PollTimeout: 5 * time.Second, AllowedUpdates: []string{"message"},
				Log: zerolog.New(&syncBuf{}), Journal: jr})
		}()
		return done
	}
	// The first run leaves "old" in the journal.
	ctx1, cancel1 := context.WithCancelCause(context.Background())
	done1 := run(ctx1, j)
	old, _ := srv.PushMessage(chatA, user, "old")
	srv.WaitFor(t, "old in hand", func() bool { return count("old") == 1 })
	cancel1(bot.ErrAbandon)
	<-done1
	if !j.has(old) {
		t.Fatal("old is not in the journal")
	}

	// The second run's feeder reads the journal again only once "new" is
	// recorded there, and the loop hands "new" in only once the feeder
	// has had its chance to take it too.
	fedNew := make(chan struct{}, 1)
	hj := &hookJournal{memJournal: j}
	hj.beforeFeed = func(after int64) {
		if after >= old {
			<-newStored
		}
	}
	hj.afterFeeding = func(after int64, got []bot.JournalEntry) {
		if after > old {
			select {
			case fedNew <- struct{}{}: // it handed "new" in and looked for more
			default:
			}
		}
	}
	var once sync.Once
	hj.afterAccept = func(last int64) {
		first := false
		once.Do(func() { first = last > old })
		if first {
			close(newStored)
			select {
			case <-fedNew:
				// Let the feeder, which found nothing more, stop.
				time.Sleep(100 * time.Millisecond)
			case <-time.After(500 * time.Millisecond):
				// It did not take "new": nothing more to wait for.
			}
		}
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := run(ctx2, hj)
	defer func() { cancel2(); <-done2 }()
	srv.PushMessage(chatB, user, "new")
	srv.WaitFor(t, "old and new handled", func() bool { return count("old") == 2 && count("new") >= 1 })
	// Once more in chatB: handled after any second handling of "new".
	srv.PushMessage(chatB, user, "last")
	srv.WaitFor(t, "last handled", func() bool { return count("last") == 1 })
	if n := count("new"); n != 1 {
		t.Errorf("the update recorded during the replay was handled %d times", n)
	}
}
