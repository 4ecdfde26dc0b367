// Package bottest is a fake Telegram Bot API server for testing invitebot,
// in the manner of net/http/httptest: NewServer starts it on 127.0.0.1 and
// the test's cleanup closes it.
//
// # The model
//
// The server holds a small world that the test builds: users (AddUser; each
// comes with a private chat whose id is the user's id), groups, supergroups
// and channels (AddChat), memberships (SetMember, for the bot as well:
// Bot().ID), and invite links made by others (AddInviteLink). The bot under
// test talks to it with tgbotapi exactly as it talks to Telegram, and the
// server answers each method it uses the way the real server does: same
// envelopes, same error texts (taken from the recorded fixtures in
// testdata/api_responses and from tdlib/telegram-bot-api), same rights
// checks, same invite link semantics (exportChatInviteLink replaces the
// bot's primary link, editChatInviteLink resets what it is not given).
//
// Updates come from the test: PushMessage, PushReply,
// PushAnonymousAdminMessage, PushSenderChatMessage, PushChannelPost,
// PushCallback, PushCallbackNoMessage, PushJoinRequest, PushMemberChange,
// and PushUpdate for any raw Update JSON. They wait in one queue that
// getUpdates serves with Telegram's semantics: long polling, confirmation
// by offset, allowed_updates that persist, and 409 Conflict for a second
// poller.
//
// What the bot did is recorded: every request (Calls, CallsTo), the
// messages it sent and edited (Messages), the chats' invite links
// (InviteLinks), its answers to callback queries (CallbackAnswers), its
// commands (Commands) and default administrator rights
// (DefaultAdminRights). Confirmed and Pending tell how far the bot has
// confirmed the queue.
//
// # Spec checking
//
// Every request is checked against the Bot API specification embedded from
// internal/spec/api.json: an unknown parameter (which the real server ignores,
// so a misspelt optional parameter fails silently there), a missing
// required one, or a value of the wrong type, down to the fields of
// JSON-serialized objects (unknown or missing fields, wrong types, the
// variants of abstract types such as BotCommandScope) is reported with
// t.Errorf, naming the method and the parameter, and answered with 400
// "Bad Request: ..." so that the bot sees an error too. A JSON null given
// for an optional parameter counts as absent, as tgbotapi sends nil slices
// that way and the real server accepts it.
//
// # Faults and timing
//
// FailNext queues a fault for a method's next call, Intercept adds a hook
// consulted for every call, FailRandomly fails a share of the calls at
// random (deterministically: the same seed and the same calls give the
// same faults), and SetLatency slows methods down. A fault is a Reply:
// ErrorReply, RetryAfterReply, MigrateReply and GatewayReply build the
// answers Telegram gives under flood control, group upgrades and outages;
// a Reply can also delay the answer, drop the connection, or never answer
// (HangReply: the call waits until the client gives up). A Reply replaces
// the call, which is then not performed; with After, the server performs
// the call first and the Reply replaces its answer: the request reached
// Telegram but the answer was lost, and a bot must not blindly repeat a
// call that is not idempotent.
//
// EnforceRateLimits makes the server refuse message sends over flood
// limits (TelegramLimits: 30 a second overall, 20 a minute into one group
// or channel, 5 in 3 seconds into one chat) as Telegram does: 429 "Too
// Many Requests: retry after N", the call not performed. The windows run
// on the server's clock, which SetClock lets a test drive.
//
// Down takes the server off the network: new connections are refused, the
// open ones reset, and the calls in progress (long polls, delays, hangs)
// cut off unanswered. Up brings it back on the same address, so URL stays
// valid.
//
// Every Call tells whether it was Performed and which Fault it met ("429",
// "502", FaultDrop, FaultDelay, FaultHang, FaultDown, FaultRateLimit);
// Injected, TooManyRequests and RateLimited count them. For instance:
//
//	srv.EnforceRateLimits(bottest.TelegramLimits)
//	lost := bottest.GatewayReply()
//	lost.After = true // the link is created, the bot gets a 502
//	srv.FailNext("createChatInviteLink", lost)
//	srv.FailRandomly(0.05, 1, []string{"getUpdates"}) // 502s, 500s and drops
//
//	srv.PushMessage(group, alice, "/invite@invite_test_bot")
//	srv.WaitMessages(t, group, 1)
//	if n := len(srv.InviteLinks(group)); n != 1 {
//		t.Errorf("%d links: the bot repeated a call that took effect", n)
//	}
//
//	srv.Down() // Telegram is unreachable: the bot's polls fail
//	srv.PushMessage(group, alice, "/invite@invite_test_bot")
//	srv.Up()
//	srv.WaitMessages(t, group, 2) // the bot recovered by itself
//	if srv.TooManyRequests() > 0 {
//		t.Errorf("the bot exceeded Telegram's limits")
//	}
//
// Tests never need to sleep: WaitFor re-evaluates a condition after every
// change of the server's state (each request answered, each update pushed)
// and fails the test after WaitTimeout; WaitMessages waits for the bot's
// messages in a chat; Polling tells whether the bot is long-polling.
//
// # Example
//
//	func TestInviteCommand(t *testing.T) {
//		srv := bottest.NewServer(t)
//		const group, alice = -1001234567890, 5000000001
//		srv.AddUser(tgbotapi.User{ID: alice, FirstName: "Alice", UserName: "alice_admin"})
//		srv.AddChat(tgbotapi.Chat{ID: group, Type: "supergroup", Title: "Invite Test Group"})
//		srv.SetMember(group, alice, bottest.Member{Status: "creator"})
//		srv.SetMember(group, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
//
//		api, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{})
//		if err != nil {
//			t.Fatal(err)
//		}
//		runBot(t, api) // the bot under test, polling until the test ends
//
//		srv.PushMessage(group, alice, "/invite@invite_test_bot")
//		msgs := srv.WaitMessages(t, group, 1)
//		links := srv.InviteLinks(group)
//		if len(links) != 1 || !strings.Contains(msgs[0].PlainText, links[0].InviteLink) {
//			t.Errorf("reply %q, links %+v", msgs[0].PlainText, links)
//		}
//	}
//
// # Where the fake is stricter than Telegram
//
// The fake fails some requests that the real server would quietly accept,
// so that the bot's mistakes show:
//
//   - HTML: a bare '&' or '>' in text is refused (TDLib keeps it as a
//     literal); Telegram's documentation requires &amp; and &gt;.
//   - A message's length is counted in UTF-16 code units (4096 at most).
//   - createChatInviteLink and editChatInviteLink refuse a name over 32
//     characters (the real server truncates it), a negative expire_date or
//     member_limit (the real server treats them as none).
//   - An inline keyboard button must set exactly one of url,
//     callback_data, ... (the real server silently picks one).
//   - The parse modes Markdown and MarkdownV2 are not implemented, nor are
//     the methods invitebot does not use: both are reported with t.Errorf.
//
// And where it is more lenient: allowed_updates filters updates when
// getUpdates serves them rather than when they are created, so a test may
// push an update before the bot's first poll has set allowed_updates. The
// only automatic entity is the bot_command at the start of a pushed
// message.
package bottest
