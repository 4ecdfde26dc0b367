// Package bottest is a fake Telegram Bot API server for testing bots, in
// the manner of net/http/httptest: NewServer starts it on 127.0.0.1 and
// the test's cleanup closes it. The bot under test talks to it over HTTP
// exactly as it talks to api.telegram.org, with whatever library it uses
// (only its base URL changes), while the test builds a small world of
// users and chats, sends the bot updates from them, and looks at what the
// bot did. bottest depends on no Bot API library.
//
// # Example
//
// A bot that greets whoever starts it, tested end to end. The bot is
// written with go-telegram-bot-api here, but any client will do:
//
//	// greeter is the bot under test: it answers /start with a greeting.
//	func greeter(ctx context.Context, api *tgbotapi.BotAPI) {
//		next := tgbotapi.NewUpdate(0)
//		next.Timeout = 1
//		for ctx.Err() == nil {
//			updates, err := api.GetUpdates(next)
//			if err != nil {
//				continue
//			}
//			for _, u := range updates {
//				next.Offset = u.UpdateID + 1
//				if m := u.Message; m != nil && m.IsCommand() && m.Command() == "start" {
//					api.Send(tgbotapi.NewMessage(m.Chat.ID, "Hello, "+m.From.FirstName+"!"))
//				}
//			}
//		}
//	}
//
//	func TestGreeter(t *testing.T) {
//		srv := bottest.NewServer(t, bottest.WithBot(bottest.User{ID: 7000000001, FirstName: "Greeter", UserName: "greeter_bot"}))
//		const ann = 5000000001
//		srv.AddUser(bottest.User{ID: ann, FirstName: "Ann", LanguageCode: "en"})
//
//		api, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{})
//		if err != nil {
//			t.Fatal(err)
//		}
//		ctx, cancel := context.WithCancel(context.Background())
//		done := make(chan struct{})
//		go func() { defer close(done); greeter(ctx, api) }()
//		t.Cleanup(func() { cancel(); <-done })
//
//		srv.PushMessage(ann, ann, "/start") // Ann opens the chat with the bot
//		msgs := srv.WaitMessages(t, ann, 1)
//		if msgs[0].PlainText != "Hello, Ann!" {
//			t.Errorf("the bot said %q", msgs[0].PlainText)
//		}
//	}
//
// The bot calls URL()+"/bot"+Token()+"/"+method. Without options the
// server plays @invite_test_bot with DefaultToken; WithBot and WithToken
// make it play yours. Start runs the same server outside a test (for a
// sandbox or a demo), reporting through Options.Report instead of the
// test.
//
// # The model
//
// The world holds users (AddUser; each comes with a private chat with the
// bot whose ID is the user's, see below), groups, supergroups and channels
// (AddChat), memberships (SetMember, for the bot as well: Bot().ID; read
// them back with Member), and invite links made by others
// (AddInviteLink). The server answers each method it implements the way
// the real server does: the same envelopes, the same error texts (from
// recorded answers, testdata/api_responses, and from
// tdlib/telegram-bot-api), the same rights checks (the bot needs
// can_invite_users for links and join requests, administrator rights to
// post in a channel), the same invite link semantics
// (exportChatInviteLink replaces the bot's primary link;
// editChatInviteLink resets what it is not given; links of other
// administrators come back with the second half of their hash masked),
// and privacy mode: in a group where the bot is no administrator, it only
// receives commands for it, replies to it and mentions of it.
//
// The methods implemented are those of the bot's side of invite links,
// join requests, commands and messages: getMe, getUpdates, deleteWebhook,
// getWebhookInfo, the command and default rights methods, sendMessage,
// sendDocument, sendPhoto, editMessageText, editMessageReplyMarkup,
// deleteMessage, sendChatAction, answerCallbackQuery, getChat,
// getChatMember, getChatAdministrators, getChatMemberCount, leaveChat,
// exportChatInviteLink, createChatInviteLink, editChatInviteLink,
// revokeChatInviteLink, createChatSubscriptionInviteLink,
// editChatSubscriptionInviteLink, approveChatJoinRequest,
// declineChatJoinRequest, answerChatJoinRequestQuery and
// sendChatJoinRequestWebApp. Any other Bot API method fails the test,
// saying so.
//
// # Invite links over time
//
// A link's expire_date runs on the server's clock (SetClock): once it has
// passed, InviteLinks reports the link Expired, and, as with a revoked
// link, nobody joins through it (PushMemberChange and PushJoinRequest
// with it fail the test); editChatInviteLink may give it a new date.
// Subscription links (createChatSubscriptionInviteLink: channels only,
// subscription_period 2592000, subscription_price 1 to 10000 Stars) can
// only be renamed (editChatSubscriptionInviteLink) or revoked
// (revokeChatInviteLink); InviteLink.SubscriptionPeriod and
// SubscriptionPrice describe them. Telegram documents no error texts for
// subscription links: the fake's are its own.
//
// # Private chats
//
// As on Telegram, a bot can't write first to a person: until the user
// has started the bot, a send to their private chat (sendMessage,
// sendChatAction) is refused with 403 "Forbidden: bot can't initiate
// conversation with a user", unless a join request gave the bot a way
// in: PushJoinRequest's user_chat_id lets it write to the user for 5
// minutes on the server's clock. A user starts the bot by writing to it in
// private (PushMessage into their private chat); StartPrivateChat says
// they did so before the test, without pushing anything, as people may
// have started a bot long before it kept any record of it. PushDeepLink
// does what tapping https://t.me/<bot>?start=PAYLOAD does: the chat
// starts and receives "/start PAYLOAD" (a blocked bot is unblocked first,
// as by the Restart button).
//
// A user may block the bot (PushBlock) and unblock it (PushUnblock), with
// the my_chat_member update Telegram sends for each. While blocked, the
// bot's sends and edits in the chat are refused with 403 "Forbidden: bot
// was blocked by the user", and the user can't write to the bot.
//
// # Guard bots
//
// SetGuardBot makes the bot a chat's guard bot (Bot API 10.1; the bot
// must support join request queries, see WithBot, and be able to manage
// the chat's join requests). Join requests to the chat then carry
// query_id, and getChat names the bot in guard_bot. The bot must answer a
// query within 10 seconds of the request on the server's clock, with
// answerChatJoinRequestQuery (approve and decline act as
// approveChatJoinRequest and declineChatJoinRequest; queue leaves the
// request to the administrators) or with sendChatJoinRequestWebApp (an
// HTTPS Mini App), after which the answer may wait for the user while the
// request is pending. A query answered already, or too late, is refused
// with 400 "Bad Request: QUERY_ID_INVALID", and a late request waits for
// the administrators. Telegram documents neither that text nor
// "WEBAPP_URL_INVALID" (an URL that is not HTTPS) nor "result must be one
// of approve, decline or queue": they are the fake's. JoinRequestQueries
// tells which query got which answer, and when.
//
// The Mini App itself runs outside the fake, in the test (a page the bot
// serves, opened in a browser or with an HTTP client). WebAppInitData
// gives the init data Telegram would hand it: the requester as a
// WebAppUser, auth_date on the server's clock, a query_id of the Mini
// App's session, signed with the bot's token the documented way
// (core.telegram.org/bots/webapps, "Validating data received via the
// Mini App"); it fails the test if the bot showed no Mini App for the
// query. SignInitData (and the Server's method of that name, with its
// token) signs any fields, for the bad cases: another user
// (WebAppUserJSON), an old auth_date, a repeated key, another bot's
// token. The signing follows Telegram's description, not a validator's
// code, so that it can test one.
//
// # Updates
//
// Updates come from the test: PushMessage (a user writes in a chat),
// PushReply, PushAnonymousAdminMessage, PushSenderChatMessage (a linked
// channel writes in its group), PushChannelPost, PushCallback (a user
// presses one of the buttons of a message the bot sent),
// PushCallbackNoMessage, PushJoinRequest, PushMemberChange (someone
// joins, leaves, is promoted; my_chat_member when it is the bot),
// PushBlock, PushUnblock, PushDeepLink,
// PushMigration (a group becomes a supergroup), and PushUpdate for any
// raw Update JSON. They wait in one queue that getUpdates serves with
// Telegram's semantics: long polling, confirmation by offset,
// allowed_updates that persist (chat_member only when asked for), and 409
// Conflict for a second poller. Confirmed and Pending tell how far the bot
// has confirmed the queue; Polling, whether it is waiting in a long poll.
// Each recorded call has the times it arrived and ended (At, Ended): two
// polls of which one began before the other ended overlapped.
//
// # What the bot did
//
// Every request is recorded (Calls, CallsTo: the method, the parameters
// as sent, the status answered, whether it was performed and which fault
// it met), and so are its effects: the messages the bot sent and edited
// in each chat (Messages, as SentMessage: the text as sent and as a user
// reads it, the buttons, the message replied to), the chats' invite links
// (InviteLinks), its answers to callback queries (CallbackAnswers), its
// command menus (Commands, CommandsFor) and its default administrator
// rights (DefaultAdminRights).
//
// Tests never need to sleep: WaitFor re-evaluates a condition after every
// change of the server's state (each request answered, each update
// pushed) and fails the test after WaitTimeout (DefaultWaitTimeout if
// unset); WaitMessages waits for the bot's messages in a chat.
//
// # Files
//
// sendDocument and sendPhoto take the file as a part of a
// multipart/form-data body, the other parameters as its fields, as
// Telegram does; a file part where the specification takes no InputFile
// is a spec violation. SentMessage.Document and SentMessage.Photo hold
// the file as sent (its Data, a document's Name and MIMEType, a photo's
// Width and Height), and the message's caption is its Text. A file sent
// once may be sent again by its file_id; sending by URL is not
// implemented. Telegram's limits hold: a document up to 50 MB (beyond,
// nginx's 413 page, in HTML), a photo up to 10 MB ("PHOTO_SAVE_FILE_INVALID"),
// whose width and height (image.DecodeConfig reads them from a GIF, JPEG
// or PNG; anything else is "IMAGE_PROCESS_FAILED") add up to at most 10000
// and differ by a ratio of at most 20 ("PHOTO_INVALID_DIMENSIONS"), a
// caption up to 1024 characters. A photo comes back in the sizes Telegram
// makes of it (longer sides of 90, 320, 800, 1280 and 2560 pixels, as far
// as the photo is larger).
//
// # Checked against the specification
//
// Every request is checked against the Bot API 10.1 specification, which
// the package embeds (internal/spec/api.json): an unknown parameter
// (which the real server ignores, so that a misspelt optional parameter
// fails silently there), a missing required one, or a value of the wrong
// type, down to the fields of JSON-serialized objects (unknown or missing
// fields, wrong types, the variants of abstract types such as
// BotCommandScope), fails the test with t.Errorf, naming the method and
// the parameter, and is answered with 400 "Bad Request: ..." so that the
// bot sees an error too. A JSON null given for an optional parameter
// counts as absent, as some libraries send nil slices that way and the
// real server accepts it. Parameters may come in the query string or in a
// form, multipart or JSON body, as on Telegram.
//
// # Faults
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
// Down takes the server off the network: new connections are refused,
// the open ones reset, and the calls in progress (long polls, delays,
// hangs) cut off unanswered. Up brings it back on the same address, so
// URL stays valid.
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
//	srv.PushMessage(group, alice, "/invite")
//	srv.WaitMessages(t, group, 1)
//	if n := len(srv.InviteLinks(group)); n != 1 {
//		t.Errorf("%d links: the bot repeated a call that took effect", n)
//	}
//
//	srv.Down() // Telegram is unreachable: the bot's polls fail
//	srv.PushMessage(group, alice, "/invite")
//	srv.Up()
//	srv.WaitMessages(t, group, 2) // the bot recovered by itself
//	if srv.TooManyRequests() > 0 {
//		t.Errorf("the bot exceeded Telegram's limits")
//	}
//
// # Limits and time
//
// EnforceRateLimits makes the server refuse message sends over flood
// limits (TelegramLimits: 30 a second overall, 20 a minute into one group
// or channel, 5 in 3 seconds into one chat) as Telegram does: 429 "Too
// Many Requests: retry after N", the call not performed. They are off by
// default. The windows run on the server's clock, which SetClock lets a
// test drive; so do message dates, invite links' expiry, the 5 minutes
// of a join request's user_chat_id and the 10 seconds of a guard bot's
// query.
//
// Telegram's other limits are always on: a message has at most 4096
// characters after entity parsing (counted in UTF-16 code units, the
// strictest reading), callback_data at most 64 bytes, an answer to a
// callback query at most 200 characters, a link's name 32 characters and
// member_limit 1-99999, a command menu 100 commands.
//
// # Where the fake is stricter than Telegram
//
// The fake fails some requests that the real server would quietly accept,
// so that the bot's mistakes show:
//
//   - HTML: a bare '&' or '>' in text is refused (TDLib keeps it as a
//     literal); Telegram's documentation requires &amp; and &gt;.
//   - createChatInviteLink and editChatInviteLink refuse a name over 32
//     characters (the real server truncates it), a negative expire_date or
//     member_limit (the real server treats them as none).
//   - An inline keyboard button must set exactly one of url,
//     callback_data, ... (the real server silently picks one).
//   - The parse modes Markdown and MarkdownV2 are not implemented, nor are
//     the methods outside the list above: both fail the test.
//   - The test's own mistakes fail it too: a callback for a button that
//     does not exist, a message from a user who is not in the world.
//
// # Where it is more lenient
//
// allowed_updates filters updates when getUpdates serves them rather than
// when they are created, so a test may push an update before the bot's
// first poll has set allowed_updates. The only automatic entity in a
// pushed message is the bot_command at its start, and pushed messages
// carry text only. A join request's user_chat_id stays good for its 5
// minutes after the request is answered (Telegram's documentation ends it
// then, or when another administrator writes to the user). Photo sizes
// are only sizes: the Data of each is the photo as sent. Inline mode,
// webhooks, payments, and files beyond those above are not modelled.
package bottest
