package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/handlers"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

// console is the sandbox's terminal: it turns lines into what the people
// of the world do, and shows what the bot does.
//
// After each line it waits until the bot is done with it (settle), then
// shows everything the bot did since the line, in the order of its calls.
type console struct {
	ctx      context.Context
	srv      *bottest.Server
	db       *sqlite.DB // the bot's database, for its update journal and its links' numbers
	out      io.Writer
	terminal bool // prompt; otherwise echo each line
	timeout  time.Duration
	bot      *runningBot
	reports  *reportLog
	logPath  string
	filesDir string // where the bot's files are saved; "" for nowhere
	saved    int    // files saved so far

	who   string // a person's console name, or sbAnonymous
	where sbChat
	// langs are the people's Telegram languages (their language_code), by
	// console name; none: Telegram sends no language_code.
	langs map[string]string
	// text is the bot's catalogs, to tell which language it answers in.
	text *text.Catalog
	// clock is the time of the bot and of the simulated Telegram (wait).
	clock *sbClock
	// guarded are the chats whose guard bot the bot is (guard on).
	guarded map[int64]bool

	calls   int                                   // the calls already shown
	seen    map[int64]map[int]bottest.SentMessage // the bot's messages as last shown, by chat and ID
	history map[int64][]sbEntry                   // what happened in each chat
}

// sbEntry is a line of a chat's history: a text, or a message of the bot.
type sbEntry struct {
	text string
	msg  int // the bot's message ID, if text is ""
}

// errQuit ends the console.
var errQuit = errors.New("quit")

// errBotStopped: the bot stopped while the console waited for it.
var errBotStopped = errors.New("the bot stopped")

// start waits for the bot's first poll, then adds it to its chats.
func (c *console) start() error {
	deadline := time.Now().Add(c.timeout)
	for len(c.srv.CallsTo("getUpdates")) == 0 {
		if c.bot.stopped() {
			if c.bot.err != nil {
				return fmt.Errorf("the bot did not start: %w", c.bot.err)
			}
			return c.ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the bot did not start polling within %v", c.timeout)
		}
		if !pause(c.ctx, 2*time.Millisecond) {
			return nil
		}
	}
	c.who, c.where = "alice", sbGroup
	addBot(c.srv)
	if err := c.settle(); err != nil {
		return err
	}
	c.news() // nothing to show, but the calls so far are seen
	return nil
}

func (c *console) banner(dbNote string) {
	c.say("invitebot sandbox: the real bot, talking to a simulated Telegram on 127.0.0.1, with %s.", dbNote)
	c.say("Sandbox Group (@sandbox_group): dave created it; alice is an admin who may invite users, carol an admin who may not, bob a member.")
	c.say("Sandbox Channel (@sandbox_channel) is dave's. olga is the bot's owner; frank, gina, hank, ivan, judy and kate are in no chat yet.")
	c.say("The bot is an admin with “Invite users via link” in both. Type help for the commands.")
}

// loop runs lines until the input ends, quit, or the context ends.
func (c *console) loop(lines <-chan string) error {
	for {
		if c.terminal {
			fmt.Fprint(c.out, c.prompt())
		}
		var line string
		var ok bool
		select {
		case line, ok = <-lines:
		case <-c.ctx.Done():
			c.say("")
			return nil
		case <-c.bot.done:
			return nil
		}
		if !ok {
			if c.terminal {
				c.say("")
			}
			return nil
		}
		err := c.line(line)
		for _, r := range c.reports.take() {
			c.say("! simulated Telegram: %s", r)
		}
		switch {
		case errors.Is(err, errQuit):
			return nil
		case errors.Is(err, errBotStopped), errors.Is(err, context.Canceled):
			return nil
		case err != nil:
			c.say("! %v", err)
		}
	}
}

func (c *console) prompt() string { return c.who + "@" + c.where.kind + "> " }

// say prints a line of the console's own.
func (c *console) say(format string, args ...any) {
	fmt.Fprintf(c.out, format+"\n", args...)
}

// line handles one line of input. Its error is a mistake to show, or
// errQuit.
func (c *console) line(raw string) error {
	line := strings.TrimSpace(raw)
	if line == "" {
		if !c.terminal {
			c.say("")
		}
		return nil
	}
	if strings.HasPrefix(line, "#") {
		if !c.terminal {
			c.say("%s", line)
		}
		return nil
	}
	if !c.terminal {
		c.say("%s%s", c.prompt(), line)
	}
	if strings.HasPrefix(line, "/") {
		return c.message(line, c.who == sbAnonymous)
	}
	word, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	args := strings.Fields(rest)
	switch strings.ToLower(word) {
	case "as":
		return c.as(args)
	case "in":
		return c.in(args)
	case "anon":
		if rest == "" {
			return errors.New("anon TEXT: what should the anonymous admin send? e.g. anon /links")
		}
		return c.message(rest, true)
	case "press":
		return c.press(args)
	case "wait":
		return c.wait(args)
	case "guard":
		return c.guard(args)
	case "join", "request":
		return c.join(strings.ToLower(word), args)
	case "leave":
		return c.leave(args)
	case "lose", "grant":
		if len(args) != 1 || !strings.EqualFold(args[0], "right") {
			return fmt.Errorf("did you mean %s right?", strings.ToLower(word))
		}
		return c.right(strings.EqualFold(word, "grant"))
	case "lang":
		return c.lang(args)
	case "history":
		c.showHistory()
		return nil
	case "log":
		return c.showLog(args)
	case "clear":
		if c.terminal {
			fmt.Fprint(c.out, "\033[H\033[2J")
		}
		return nil
	case "help", "?":
		c.help()
		return nil
	case "quit", "exit":
		return errQuit
	}
	return c.message(line, c.who == sbAnonymous)
}

const sandboxHelp = `You type as one of the people, in one of the chats; the bot answers as in Telegram.
  /command ARGS          send a command as the current person in the current chat
                         (any other text that is not a console command is sent too)
  as NAME [in CHAT]      be alice, bob, carol, dave, olga (the owner), frank, gina,
                         hank, ivan, judy or kate; as anonymous: an anonymous admin
                         of the group
  in CHAT                group, channel, or private (your private chat with the bot)
  anon TEXT              send TEXT in the group as an anonymous admin
  press N                press button N of the bot's last message with buttons here
                         (a button that opens the private chat with the bot opens it)
  press right|wrong      answer the bot's check here (join mode verify) as a person
                         would, or with another button
  join NAME [LINK]       NAME joins through LINK: its URL, or #N of the bot's links in
                         the current chat; without LINK, NAME joins the current chat
  request NAME [LINK]    NAME asks to join through LINK, a link that needs approval;
                         without LINK, NAME asks to join the current chat
  leave NAME             NAME leaves the current chat
  lose right             dave takes the bot's "Invite users via link" right away in
  grant right            the current chat, or gives it back
  guard on|off           dave makes the bot the current chat's guard bot (Bot API
                         10.1: each join request carries a query the bot must answer
                         within 10 seconds), or no longer; guard alone tells it
  wait DURATION          time passes (30s, 6m, 2h, 1d): the clock of the bot and of
                         the simulated Telegram moves ahead, and a check whose time
                         is up ends
  lang CODE              the current person's Telegram is in CODE (ru, pt-BR, ar...):
                         their updates carry it as language_code, and the bot answers
                         them in it in private and for buttons; lang none: no code;
                         lang alone tells it (a group's language is /language CODE)
  history                what happened in the current chat
  log [N]                the last N lines of the bot's log (20 if not given)
  clear                  clear the screen
  help                   this
  quit                   stop (so does the end of the input)
Console commands are case-insensitive; a line starting with # is a comment.
Channels are managed from a private chat: commands posted in a channel are not
answered. As olga, try /chats, then /links @sandbox_channel.`

func (c *console) help() { c.say("%s", sandboxHelp) }

// as changes who types.
func (c *console) as(args []string) error {
	if len(args) == 0 || len(args) == 2 || len(args) > 3 || (len(args) == 3 && !strings.EqualFold(args[1], "in")) {
		return fmt.Errorf("as NAME [in CHAT]: NAME is one of %s, or anonymous", sbPeopleNames())
	}
	name := strings.ToLower(args[0])
	where := c.where
	if len(args) == 3 {
		chat, err := c.chatNamed(args[2], name)
		if err != nil {
			return err
		}
		where = chat
	}
	if name == sbAnonymous {
		if where.kind != "group" {
			return errors.New("an anonymous admin speaks as the group only: as anonymous in group")
		}
		c.who, c.where = sbAnonymous, where
		c.say("* You are an anonymous admin of the group: your messages come from the group itself.")
		return nil
	}
	p, ok := sbPersonNamed(name)
	if !ok {
		return fmt.Errorf("there is no %q here; the people are %s, and anonymous", args[0], sbPeopleNames())
	}
	if where.kind == "private" {
		where = sbPrivate(p)
	}
	c.who, c.where = p.name, where
	c.say("* You are %s, %s. In %s.", p.name, p.role, where.title)
	return nil
}

// in changes where the current person types.
func (c *console) in(args []string) error {
	if len(args) != 1 {
		return errors.New("in CHAT: CHAT is group, channel or private")
	}
	chat, err := c.chatNamed(args[0], c.who)
	if err != nil {
		return err
	}
	if c.who == sbAnonymous && chat.kind != "group" {
		return errors.New("an anonymous admin exists in the group only; be someone first: as dave")
	}
	c.where = chat
	switch chat.kind {
	case "channel":
		c.say("* In %s. Posts here do not reach the bot; join, request, leave and lose/grant right act on the channel.", chat.title)
	default:
		c.say("* In %s.", chat.title)
	}
	return nil
}

// chatNamed resolves group, channel or private (of the person named who).
func (c *console) chatNamed(name, who string) (sbChat, error) {
	switch strings.ToLower(name) {
	case "group":
		return sbGroup, nil
	case "channel":
		return sbChannel, nil
	case "private":
		p, ok := sbPersonNamed(who)
		if !ok {
			return sbChat{}, errors.New("an anonymous admin has no private chat; be someone first: as dave")
		}
		return sbPrivate(p), nil
	}
	return sbChat{}, fmt.Errorf("there is no chat %q; the chats are group, channel and private", name)
}

// person is the current person, unless an anonymous admin types.
func (c *console) person() (sbPerson, bool) { return sbPersonNamed(c.who) }

// message sends text as the current person (or an anonymous admin) in
// the current chat, and shows the bot's answer.
func (c *console) message(text string, anonymous bool) error {
	var updateID int64
	speaker := c.who
	switch {
	case c.where.kind == "channel":
		return errors.New("commands posted in a channel are not answered (the bot does not receive channel posts); manage the channel from a private chat: in private, then e.g. /links @sandbox_channel")
	case anonymous:
		if c.where.kind != "group" {
			return errors.New("an anonymous admin speaks in the group only: in group")
		}
		speaker = "anonymous admin"
		updateID, _ = c.srv.PushAnonymousAdminMessage(c.where.id, text)
	default:
		p, _ := c.person()
		if c.where.kind == "group" && !inChat(c.srv.Member(c.where.id, p.user.ID)) {
			return fmt.Errorf("%s is not in %s; join %s #N first (a link from /links), or be someone else", p.name, c.where.title, p.name)
		}
		updateID, _ = c.srv.PushMessage(c.where.id, p.user.ID, text)
	}
	if updateID == 0 {
		return nil // the simulated Telegram says why
	}
	c.record(c.where.id, speaker+": "+text)
	return c.await(true)
}

// await waits until the bot is done, then shows what it did; quiet says
// "(no answer)" if that was nothing.
func (c *console) await(quiet bool) error {
	err := c.settle()
	if !c.news() && quiet && err == nil {
		c.say("(no answer)")
	}
	return err
}

// press presses button n of the bot's last message with buttons in the
// current chat.
func (c *console) press(args []string) error {
	n, answer := 0, ""
	if len(args) == 1 {
		if a := strings.ToLower(args[0]); a == "right" || a == "wrong" {
			answer = a
		} else {
			n, _ = strconv.Atoi(args[0])
		}
	}
	if n <= 0 && answer == "" {
		return errors.New("press N: N is the number shown on the button, e.g. press 1; or press right (or wrong) to answer the bot's check")
	}
	p, ok := c.person()
	if !ok {
		return errors.New("an anonymous admin cannot press buttons: Telegram sends the presses of the person behind it; be that person, e.g. as dave")
	}
	if c.where.kind == "group" && !inChat(c.srv.Member(c.where.id, p.user.ID)) {
		return fmt.Errorf("%s is not in %s and sees no buttons there", p.name, c.where.title)
	}
	var msg *bottest.SentMessage
	msgs := c.srv.Messages(c.where.id)
	for i := len(msgs) - 1; i >= 0 && msg == nil; i-- {
		if !msgs[i].Deleted && len(msgs[i].Buttons) > 0 {
			msg = &msgs[i]
		}
	}
	if msg == nil {
		return fmt.Errorf("no message of the bot in %s has buttons", c.where.title)
	}
	if answer != "" {
		var err error
		if n, err = c.checkButton(p, *msg, answer == "right"); err != nil {
			return err
		}
	}
	b, ok := nthButton(msg.Buttons, n)
	switch {
	case !ok:
		return fmt.Errorf("the bot's last message with buttons has %d of them", len(slices.Concat(msg.Buttons...)))
	case b.CallbackData == "":
		// A link: to the bot's private chat (a deep link), it opens it and
		// presses Start, as Telegram's apps do.
		payload, isBot := strings.CutPrefix(b.URL, "https://t.me/"+c.srv.Bot().UserName+"?start=")
		if !isBot {
			return fmt.Errorf("button %d opens %s; it does not reach the bot", n, b.URL)
		}
		c.where = sbPrivate(p)
		c.say("* %s opened the private chat with the bot and pressed Start.", p.name)
		c.srv.PushDeepLink(p.user.ID, payload)
		return c.await(false)
	}
	c.srv.PushCallback(p.user.ID, c.where.id, msg.MessageID, b.CallbackData)
	c.record(c.where.id, fmt.Sprintf("%s pressed [%s]", p.name, b.Text))
	return c.await(false)
}

// checkButton is the number of the button of the bot's check msg, sent
// to p, that the check names (right), or of another one: the console
// reads the check's right answer in the bot's database, as a person reads
// it in the message.
func (c *console) checkButton(p sbPerson, msg bottest.SentMessage, right bool) (int, error) {
	var chatID int64
	if len(msg.Buttons) == 1 && len(msg.Buttons[0]) > 0 {
		chatID, _, _ = parseCheckButton(msg.Buttons[0][0].CallbackData)
	}
	if chatID == 0 {
		return 0, fmt.Errorf("the bot's last message with buttons in %s is not a check; press N presses its button N", c.where.title)
	}
	v, err := c.db.Verification(c.ctx, chatID, p.user.ID)
	if err != nil {
		return 0, fmt.Errorf("the bot has no check of %s's: %w", p.name, err)
	}
	if right {
		return v.Answer + 1, nil
	}
	return (v.Answer+1)%len(msg.Buttons[0]) + 1, nil
}

// parseCheckButton reads the data of a check's button: "vf:" CHAT ":" INDEX.
func parseCheckButton(data string) (chatID int64, index int, ok bool) {
	rest, ok := strings.CutPrefix(data, handlers.VerifyButtons)
	if !ok {
		return 0, 0, false
	}
	chat, i, _ := strings.Cut(rest, ":")
	chatID, err := strconv.ParseInt(chat, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	index, err = strconv.Atoi(i)
	if err != nil {
		return 0, 0, false
	}
	return chatID, index, true
}

// nthButton is button n of a keyboard, counted from 1 row by row.
func nthButton(rows [][]bottest.Button, n int) (bottest.Button, bool) {
	if n <= 0 {
		return bottest.Button{}, false
	}
	for _, row := range rows {
		if n <= len(row) {
			return row[n-1], true
		}
		n -= len(row)
	}
	return bottest.Button{}, false
}

// join lets someone join (kind "join") or ask to join ("request") through
// a link, as Telegram reports it to the bot.
func (c *console) join(kind string, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return fmt.Errorf("%s NAME [LINK]: LINK is a link's URL or its #N from /links", kind)
	}
	p, ok := sbPersonNamed(args[0])
	if !ok {
		return fmt.Errorf("there is no %q here; the people are %s", args[0], sbPeopleNames())
	}
	ref := ""
	if len(args) == 2 {
		ref = args[1]
	}
	chat, link, err := c.linkTarget(ref)
	if err != nil {
		return err
	}
	if inChat(c.srv.Member(chat.id, p.user.ID)) {
		return fmt.Errorf("%s is in %s already", p.name, chat.title)
	}
	url, via := "", ""
	if link != nil {
		switch {
		case link.IsRevoked:
			return fmt.Errorf("that link is revoked: Telegram would not let %s in", p.name)
		case link.ExpireDate > 0 && int64(link.ExpireDate) <= c.clock.Now().Unix():
			return fmt.Errorf("that link has expired: Telegram would not let %s in", p.name)
		case kind == "join" && link.CreatesJoinRequest:
			return fmt.Errorf("that link needs an admin's approval: request %s %s", p.name, ref)
		case kind == "request" && !link.CreatesJoinRequest:
			return fmt.Errorf("that link lets people in without approval: join %s %s", p.name, ref)
		}
		url, via = link.InviteLink, " through "+link.InviteLink
	}
	event := fmt.Sprintf("* %s joined %s%s.", p.name, chat.title, via)
	if kind == "join" {
		c.srv.PushMemberChange(bottest.MemberChange{ChatID: chat.id, UserID: p.user.ID, New: bottest.Member{Status: "member"}, InviteLink: url})
	} else {
		c.srv.PushJoinRequest(chat.id, p.user.ID, url)
		event = fmt.Sprintf("* %s asked to join %s%s.", p.name, chat.title, via)
		if c.guarded[chat.id] {
			event = fmt.Sprintf("* %s asked to join %s%s; as the chat's guard bot, the bot must answer the request's query within 10 seconds.", p.name, chat.title, via)
		}
	}
	c.say("%s", event)
	c.record(chat.id, event)
	return c.await(false)
}

// linkTarget finds the chat and the link that ref names: "" (the current
// chat, no link), "#N" (the bot's link number N in the current chat) or
// a link's URL (in the group or the channel).
func (c *console) linkTarget(ref string) (sbChat, *bottest.InviteLink, error) {
	here := c.where
	needChat := func() error {
		if here.kind == "private" {
			return errors.New("which chat? say in group or in channel first, or give the link's URL")
		}
		return nil
	}
	if ref == "" || strings.HasPrefix(ref, "#") {
		if err := needChat(); err != nil {
			return sbChat{}, nil, err
		}
		if ref == "" {
			return here, nil, nil
		}
		n, err := strconv.ParseInt(ref[1:], 10, 64)
		if err != nil || n <= 0 {
			return sbChat{}, nil, fmt.Errorf("%q is not a link number like #1", ref)
		}
		l, err := c.db.Link(c.ctx, here.id, n)
		if errors.Is(err, store.ErrNotFound) {
			return sbChat{}, nil, fmt.Errorf("the bot has no link #%d in %s (see /links)", n, here.title)
		}
		if err != nil {
			return sbChat{}, nil, err
		}
		ref = l.URL
	}
	for _, chat := range []sbChat{sbGroup, sbChannel} {
		for _, l := range c.srv.InviteLinks(chat.id) {
			if l.InviteLink == ref {
				return chat, &l, nil
			}
		}
	}
	return sbChat{}, nil, fmt.Errorf("%s is no link of the group or the channel", ref)
}

// leave makes someone leave the current chat.
func (c *console) leave(args []string) error {
	if len(args) != 1 {
		return errors.New("leave NAME: who leaves the current chat?")
	}
	p, ok := sbPersonNamed(args[0])
	if !ok {
		return fmt.Errorf("there is no %q here; the people are %s", args[0], sbPeopleNames())
	}
	chat := c.where
	switch m := c.srv.Member(chat.id, p.user.ID); {
	case chat.kind == "private":
		return errors.New("which chat? say in group or in channel first")
	case !inChat(m):
		return fmt.Errorf("%s is not in %s", p.name, chat.title)
	case m.Status == "creator":
		return fmt.Errorf("%s created %s and stays", p.name, chat.title)
	}
	c.srv.PushMemberChange(bottest.MemberChange{ChatID: chat.id, UserID: p.user.ID, New: bottest.Member{Status: "left"}})
	event := fmt.Sprintf("* %s left %s.", p.name, chat.title)
	c.say("%s", event)
	c.record(chat.id, event)
	return c.await(false)
}

// right takes the bot's "Invite users via link" right away in the current
// chat, or gives it back, as dave.
func (c *console) right(grant bool) error {
	chat := c.where
	if chat.kind == "private" {
		return errors.New("which chat? say in group or in channel first")
	}
	bot := c.srv.Member(chat.id, c.srv.Bot().ID)
	if bot.CanInviteUsers == grant {
		if grant {
			return fmt.Errorf("the bot has the right in %s already", chat.title)
		}
		return fmt.Errorf("the bot lacks the right in %s already", chat.title)
	}
	dave, _ := sbPersonNamed("dave")
	c.srv.PushMemberChange(bottest.MemberChange{ChatID: chat.id, UserID: c.srv.Bot().ID, From: dave.user.ID,
		New: bottest.Member{Status: "administrator", CanInviteUsers: grant}})
	event := fmt.Sprintf("* dave took the bot's “Invite users via link” right away in %s.", chat.title)
	if grant {
		event = fmt.Sprintf("* dave gave the bot the “Invite users via link” right in %s.", chat.title)
	}
	c.say("%s", event)
	c.record(chat.id, event)
	return c.await(false)
}

// The bounds of wait.
const (
	minWait = time.Second
	maxWait = 30 * 24 * time.Hour
)

// wait moves the clock of the bot and of the simulated Telegram ahead,
// and shows what the bot did when things fell due.
func (c *console) wait(args []string) error {
	d, ok := time.Duration(0), len(args) == 1
	if ok {
		d, ok = parseWait(args[0])
	}
	if !ok || d < minWait || d > maxWait {
		return errors.New("wait DURATION: how much time passes, from 1s to 30d, e.g. wait 30s, wait 6m, wait 2h, wait 1d")
	}
	ahead := c.clock.Advance(d)
	c.say("* %s pass. The clock of the bot and of the simulated Telegram is %s ahead of this computer's now.", formatWait(d), formatWait(ahead))
	return c.await(false)
}

// parseWait reads a duration as Go writes it (90s, 6m, 1h30m), after a
// number of days if any (1d, 2d12h).
func parseWait(s string) (time.Duration, bool) {
	var days time.Duration
	if before, after, ok := strings.Cut(strings.ToLower(s), "d"); ok {
		n, err := strconv.Atoi(before)
		if err != nil || n < 0 || n > 1000 {
			return 0, false
		}
		days, s = time.Duration(n)*24*time.Hour, after
		if s == "" {
			return days, true
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false
	}
	return days + d, true
}

// formatWait writes a duration as wait takes it, to the second: 6m,
// 1h30m, 1d2h.
func formatWait(d time.Duration) string {
	var b strings.Builder
	for _, u := range []struct {
		d    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.d; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.unit)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}

// guard makes the bot the current chat's guard bot, or no longer, as
// its creator dave would in Telegram (Bot API 10.1), or tells whether it
// is.
func (c *console) guard(args []string) error {
	chat := c.where
	if len(args) > 1 || (len(args) == 1 && !strings.EqualFold(args[0], "on") && !strings.EqualFold(args[0], "off")) {
		return errors.New("guard on|off: dave makes the bot the current chat's guard bot, or no longer; guard alone tells it")
	}
	if chat.kind == "private" {
		return errors.New("which chat? say in group or in channel first")
	}
	if len(args) == 0 {
		if c.guarded[chat.id] {
			c.say("* The bot is the guard bot of %s: each join request carries a query it must answer within 10 seconds.", chat.title)
		} else {
			c.say("* The bot is not the guard bot of %s: join requests wait for it, or an admin, without a query.", chat.title)
		}
		return nil
	}
	on := strings.EqualFold(args[0], "on")
	switch {
	case on == c.guarded[chat.id] && on:
		return fmt.Errorf("the bot is the guard bot of %s already", chat.title)
	case on == c.guarded[chat.id]:
		return fmt.Errorf("the bot is not the guard bot of %s", chat.title)
	case on && !c.srv.Member(chat.id, c.srv.Bot().ID).CanInviteUsers:
		return fmt.Errorf("a chat's guard bot must be able to manage its join requests: grant right first")
	}
	c.srv.SetGuardBot(chat.id, on)
	c.guarded[chat.id] = on
	event := fmt.Sprintf("* dave made the bot the guard bot of %s (Bot API 10.1): each join request now carries a query that the bot must answer within 10 seconds, or Telegram leaves the request to the admins.", chat.title)
	if !on {
		event = fmt.Sprintf("* dave made the bot no longer the guard bot of %s: join requests carry no query.", chat.title)
	}
	c.say("%s", event)
	c.record(chat.id, event)
	return nil
}

// languageCode is the shape of Telegram's language_code: an IETF language
// tag such as ru, pt-br or zh-hans.
var languageCode = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// lang sets the Telegram language of the current person: the updates the
// console pushes for them carry it as language_code.
func (c *console) lang(args []string) error {
	p, ok := c.person()
	switch {
	case !ok:
		return errors.New("an anonymous admin has no Telegram of its own; be someone first: as dave")
	case len(args) > 1:
		return errors.New("lang CODE: one language code, e.g. lang ru, lang pt-BR, lang ar; lang none for none")
	case len(args) == 0:
		if code := c.langs[p.name]; code != "" {
			c.say("* %s's Telegram is in %s: %s.", p.name, code, c.answeredIn(code))
		} else {
			c.say("* %s's Telegram sends no language: %s.", p.name, c.answeredIn(""))
		}
		return nil
	}
	code := args[0]
	if strings.EqualFold(code, "none") {
		code = ""
	} else if !languageCode.MatchString(code) {
		return fmt.Errorf("%q is not a language code; Telegram sends codes such as ru, pt-br or ar", code)
	}
	u := p.user
	u.LanguageCode = code
	c.srv.AddUser(u)
	if code == "" {
		delete(c.langs, p.name)
		c.say("* %s's Telegram sends no language now: %s.", p.name, c.answeredIn(""))
		return nil
	}
	c.langs[p.name] = code
	c.say("* %s's Telegram is in %s now: %s.", p.name, code, c.answeredIn(code))
	return nil
}

// answeredIn says which language the bot answers a person in whose
// Telegram is in code.
func (c *console) answeredIn(code string) string {
	pr := c.text.For(code)
	if code != "" && pr == c.text.Default() && !strings.EqualFold(code, pr.Lang()) && !strings.HasPrefix(strings.ToLower(code), pr.Lang()+"-") {
		return fmt.Sprintf("the bot does not speak it and answers in %s (%s), its default", c.text.Name(pr.Lang()), pr.Lang())
	}
	return fmt.Sprintf("the bot answers in %s (%s) in private and for buttons", c.text.Name(pr.Lang()), pr.Lang())
}

// inChat tells whether a membership is in the chat.
func inChat(m bottest.Member) bool {
	switch m.Status {
	case "creator", "administrator", "member", "restricted":
		return true
	}
	return false
}

// record adds a line to a chat's history.
func (c *console) record(chatID int64, text string) {
	c.history[chatID] = append(c.history[chatID], sbEntry{text: text})
}

// settle waits until the bot is done with everything pushed so far:
//
//  1. the simulated Telegram has no update left that the bot has not
//     confirmed (or that it dropped, not being asked for): the bot
//     confirms a batch with its next getUpdates, and records the batch
//     in its journal before that;
//  2. no request of the bot is still being answered;
//  3. the bot's update journal holds nothing: each update is struck off
//     only once its handler has returned, after its last call;
//  4. the notifier's outbox holds nothing to send or to edit now;
//  5. the gatekeeper has no check to send, none whose time is up on the
//     sandbox's clock, none ended whose request waits for its answer, and
//     every check that ended shows its outcome (its buttons are gone).
//
// Updates the bot does not want (chatter in a group) never enter the
// journal and need nothing more than 1. They are checked every few
// milliseconds, for at most the line timeout.
func (c *console) settle() error {
	deadline := time.Now().Add(c.timeout)
	for !c.idle() {
		if c.bot.stopped() {
			return errBotStopped
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the bot is not done after %v; what it did so far is shown; its log may say why (log)", c.timeout)
		}
		if !pause(c.ctx, 2*time.Millisecond) {
			return c.ctx.Err()
		}
	}
	return nil
}

func (c *console) idle() bool {
	if c.srv.Pending() > 0 {
		return false
	}
	if _, pending, err := c.db.PendingUpdates(c.ctx); err != nil || len(pending) > 0 {
		return false
	}
	// The notifier works beside the loop: its outbox must be done too, but
	// for what waits for a summary.
	if edits, err := c.db.NotificationsToEdit(c.ctx); err != nil || len(edits) > 0 {
		return false
	}
	pending, err := c.db.PendingNotifications(c.ctx)
	if err != nil {
		return false
	}
	for _, n := range pending {
		if w, err := c.db.NotifyWindow(c.ctx, n.AdminID, n.ChatID, time.Time{}); err != nil || w.BacklogSince.IsZero() {
			return false
		}
	}
	for _, call := range c.srv.Calls()[c.calls:] {
		if call.Status == 0 && call.Method != "getUpdates" {
			return false
		}
	}
	return c.checksIdle()
}

// checksIdle tells whether the gatekeeper is done: no check to send, none
// due, none ended whose request is not answered yet, and none ended whose
// message still shows its buttons (the gatekeeper edits it to the outcome
// after it answered the request).
func (c *console) checksIdle() bool {
	if vs, err := c.db.UnsentVerifications(c.ctx, 1); err != nil || len(vs) > 0 {
		return false
	}
	if vs, err := c.db.DueVerifications(c.ctx, c.clock.Now(), 1); err != nil || len(vs) > 0 {
		return false
	}
	if vs, err := c.db.UnsettledVerifications(c.ctx, 1); err != nil || len(vs) > 0 {
		return false
	}
	for _, p := range sbPeople {
		for _, m := range c.srv.Messages(p.user.ID) {
			if m.Deleted || len(m.Buttons) != 1 || len(m.Buttons[0]) == 0 {
				continue
			}
			chatID, _, ok := parseCheckButton(m.Buttons[0][0].CallbackData)
			if !ok {
				continue
			}
			v, err := c.db.Verification(c.ctx, chatID, p.user.ID)
			if err != nil {
				return false
			}
			switch v.State {
			case store.VerifyPassed, store.VerifyFailed, store.VerifyTimedOut:
				if v.MessageID == m.MessageID {
					return false
				}
			}
		}
	}
	return true
}

// pause waits d, or less if ctx ends; it tells whether ctx is still on.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// sbEvent is something the bot did that the console shows.
type sbEvent struct {
	kind   string // "new", "edit", "delete", "answer", "guard"
	chatID int64
	msgID  int
	answer bottest.CallbackAnswer
	query  bottest.JoinRequestQuery
}

// news shows what the bot did since the last time, in the order of its
// calls, and tells whether there was anything.
func (c *console) news() bool {
	calls := c.srv.Calls()
	fresh := calls[c.calls:]
	c.calls = len(calls)

	now := make(map[int64][]bottest.SentMessage)
	unshown := make(map[int64][]int) // new messages by chat, in ID order
	for _, id := range sbChatIDs() {
		now[id] = c.srv.Messages(id)
		for _, m := range now[id] {
			if _, ok := c.seen[id][m.MessageID]; !ok {
				unshown[id] = append(unshown[id], m.MessageID)
			}
		}
	}
	answers := c.srv.CallbackAnswers()

	var events []sbEvent
	listed := make(map[[2]int64]bool) // edits and deletions listed, by chat and message
	for _, call := range fresh {
		if call.Status != 200 {
			continue
		}
		chat, _ := strconv.ParseInt(call.Params["chat_id"], 10, 64)
		msgID, _ := strconv.Atoi(call.Params["message_id"])
		switch call.Method {
		case "sendMessage", "sendDocument", "sendPhoto":
			if len(unshown[chat]) > 0 {
				events = append(events, sbEvent{kind: "new", chatID: chat, msgID: unshown[chat][0]})
				unshown[chat] = unshown[chat][1:]
			}
		case "editMessageText", "editMessageReplyMarkup", "deleteMessage":
			key := [2]int64{chat, int64(msgID)}
			if _, shown := c.seen[chat][msgID]; !shown || listed[key] {
				continue // new: shown as it is now; or listed already
			}
			listed[key] = true
			kind := "edit"
			if call.Method == "deleteMessage" {
				kind = "delete"
			}
			events = append(events, sbEvent{kind: kind, chatID: chat, msgID: msgID})
		case "answerCallbackQuery":
			for _, a := range answers {
				if a.QueryID == call.Params["callback_query_id"] {
					events = append(events, sbEvent{kind: "answer", answer: a})
				}
			}
		case "answerChatJoinRequestQuery", "sendChatJoinRequestWebApp":
			for _, q := range c.srv.JoinRequestQueries() {
				if q.ID == call.Params["chat_join_request_query_id"] {
					events = append(events, sbEvent{kind: "guard", query: q})
				}
			}
		}
	}
	for _, chat := range sbChatIDs() { // sent, but not seen in the calls
		for _, id := range unshown[chat] {
			events = append(events, sbEvent{kind: "new", chatID: chat, msgID: id})
		}
	}

	find := func(chat int64, id int) bottest.SentMessage {
		for _, m := range now[chat] {
			if m.MessageID == id {
				return m
			}
		}
		return bottest.SentMessage{}
	}
	for _, e := range events {
		switch e.kind {
		case "answer":
			c.showAnswer(e.answer)
		case "guard":
			c.showGuardAnswer(e.query)
		case "new":
			m := find(e.chatID, e.msgID)
			c.history[e.chatID] = append(c.history[e.chatID], sbEntry{msg: e.msgID})
			c.showMessage("bot"+c.whereSuffix(e.chatID), c.fileNote(m)+m.PlainText, m.Buttons)
		case "edit", "delete":
			c.showChange(e.chatID, c.seen[e.chatID][e.msgID], find(e.chatID, e.msgID))
		}
	}

	for id, msgs := range now {
		c.seen[id] = make(map[int]bottest.SentMessage, len(msgs))
		for _, m := range msgs {
			c.seen[id][m.MessageID] = m
		}
	}
	return len(events) > 0
}

// whereSuffix names a chat other than the current one: " in group",
// " in bob's private chat".
func (c *console) whereSuffix(chatID int64) string {
	if chatID == c.where.id {
		return ""
	}
	chat, ok := sbChatByID(chatID)
	switch {
	case !ok:
		return fmt.Sprintf(" in chat %d", chatID)
	case chat.kind == "private":
		p, _ := sbPersonByID(chatID)
		return " in " + p.name + "'s private chat"
	default:
		return " in " + chat.kind
	}
}

// indent starts the lines after a message's first.
const indent = "     "

// showMessage prints a message of the bot after label: its text as a
// user reads it, then its buttons, numbered as press counts them.
func (c *console) showMessage(label, text string, buttons [][]bottest.Button) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	c.say("%s: %s", label, lines[0])
	for _, l := range lines[1:] {
		c.say("%s", strings.TrimRight(indent+l, " "))
	}
	if len(buttons) > 0 {
		c.say("%s%s", indent, strings.Join(buttonRows(buttons), "\n"+indent))
	}
}

// buttonRows renders a keyboard: [1 Approve] [2 Decline], a row a line.
func buttonRows(rows [][]bottest.Button) []string {
	var out []string
	n := 0
	for _, row := range rows {
		var parts []string
		for _, b := range row {
			n++
			s := fmt.Sprintf("[%d %s]", n, b.Text)
			if b.URL != "" {
				s = fmt.Sprintf("[%d %s → %s]", n, b.Text, b.URL)
			}
			parts = append(parts, s)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// showChange prints an edit or a deletion of a message already shown.
func (c *console) showChange(chatID int64, was, now bottest.SentMessage) {
	where := c.whereSuffix(chatID)
	first, _, _ := strings.Cut(was.PlainText, "\n")
	switch {
	case now.Deleted || now.MessageID == 0:
		c.say("bot deleted its message%s: %s", where, first)
	case now.PlainText == was.PlainText:
		if len(now.Buttons) == 0 {
			c.say("bot removed the buttons of its message%s: %s", where, first)
			return
		}
		c.say("bot changed the buttons of its message%s: %s", where, first)
		c.say("%s%s", indent, strings.Join(buttonRows(now.Buttons), "\n"+indent))
	default:
		c.showMessage("bot edited its message"+where, now.PlainText, now.Buttons)
	}
}

// showAnswer prints the bot's answer to a button press: a notification
// at the top of the chat, or an alert the user must close.
func (c *console) showAnswer(a bottest.CallbackAnswer) {
	kind := "answer"
	if a.ShowAlert {
		kind = "alert"
	}
	text := a.Text
	if text == "" {
		text = "(no text: the button just stops spinning)"
	}
	c.say("%s: %s", kind, text)
}

// showGuardAnswer prints the bot's answer to a guard bot's query: the
// verdict Telegram carries out, or the verification page it shows.
func (c *console) showGuardAnswer(q bottest.JoinRequestQuery) {
	who := strconv.FormatInt(q.UserID, 10)
	if p, ok := sbPersonByID(q.UserID); ok {
		who = p.name
	}
	at, what := q.AnsweredAt, ""
	switch q.Result {
	case "approve":
		what = "approve (Telegram lets " + who + " in)"
	case "decline":
		what = "decline (Telegram turns " + who + " away)"
	case "queue":
		what = "queue (the request waits, for the admins or for the bot's check)"
	default:
		at, what = q.WebAppAt, "the verification page "+q.WebAppURL+", opened in "+who+"'s Telegram"
	}
	in := "in time"
	if at.Sub(q.At) > 10*time.Second {
		in = "too late, so Telegram left the request to the admins"
	}
	c.say("bot answered %s's join request as the chat's guard bot, %s: %s", who, in, what)
}

// showHistory prints what happened in the current chat, the bot's
// messages as they are now.
func (c *console) showHistory() {
	entries := c.history[c.where.id]
	if len(entries) == 0 {
		c.say("* Nothing happened in %s yet.", c.where.title)
		return
	}
	c.say("* In %s:", c.where.title)
	msgs := c.srv.Messages(c.where.id)
	for _, e := range entries {
		if e.text != "" {
			c.say("%s", e.text)
			continue
		}
		for _, m := range msgs {
			if m.MessageID != e.msg {
				continue
			}
			switch {
			case m.Deleted:
				c.say("bot: (deleted)")
			case m.Edited:
				c.showMessage("bot (edited)", m.PlainText, m.Buttons)
			default:
				c.showMessage("bot", m.PlainText, m.Buttons)
			}
		}
	}
}

// showLog prints the end of the bot's log.
func (c *console) showLog(args []string) error {
	n := 20
	if len(args) == 1 {
		v, err := strconv.Atoi(args[0])
		if err != nil || v <= 0 {
			return errors.New("log [N]: N is how many of the last lines to show")
		}
		n = v
	} else if len(args) > 1 {
		return errors.New("log [N]: N is how many of the last lines to show")
	}
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return fmt.Errorf("the log: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for _, l := range lines[max(0, len(lines)-n):] {
		c.say("%s", l)
	}
	c.say("* The whole log: %s", c.logPath)
	return nil
}

// fileNote describes the file of a document or a photo of the bot's, and
// saves it in the files directory, if any: "[document links.csv, 3 lines,
// saved as 1-links.csv] ".
func (c *console) fileNote(m bottest.SentMessage) string {
	var f *bottest.File
	var note string
	switch {
	case m.Document != nil:
		f = m.Document
		note = fmt.Sprintf("[document %s, %s, %d lines", f.Name, f.MIMEType, strings.Count(string(f.Data), "\n"))
	case m.Photo != nil:
		f = m.Photo
		note = fmt.Sprintf("[photo %dx%d", f.Width, f.Height)
	default:
		return ""
	}
	if c.filesDir != "" {
		c.saved++
		name := f.Name
		if name == "" {
			name = "photo.png"
		}
		name = strconv.Itoa(c.saved) + "-" + filepath.Base(name)
		err := os.MkdirAll(c.filesDir, 0o755)
		if err == nil {
			err = os.WriteFile(filepath.Join(c.filesDir, name), f.Data, 0o644)
		}
		if err != nil {
			c.say("! cannot save the file: %v", err)
		} else {
			note += ", saved as " + name
		}
	}
	return note + "] "
}
