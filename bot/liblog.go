package bot

import (
	"fmt"
	"sync"
	"sync/atomic"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/rs/zerolog"
)

// The library logs through one package-global logger (errors of
// GetUpdatesChan, and requests when Debug is on). invitebot uses neither,
// but whatever the library prints must still go through zerolog with the
// token removed. The logger is installed once; each Run points it at its
// own zerolog logger and token.
var (
	libLogOnce sync.Once
	libLog     libraryLogger
)

type libTarget struct {
	log   zerolog.Logger
	token string
}

type libraryLogger struct{ target atomic.Pointer[libTarget] }

func (l *libraryLogger) Println(v ...any) { l.write(fmt.Sprintln(v...)) }

func (l *libraryLogger) Printf(format string, v ...any) { l.write(fmt.Sprintf(format, v...)) }

func (l *libraryLogger) write(s string) {
	t := l.target.Load()
	if t == nil {
		return
	}
	t.log.Debug().Str("component", "tgbotapi").Msg(Redact(s, t.token))
}

// routeLibraryLog sends the library's log lines to log, with token redacted.
func routeLibraryLog(log zerolog.Logger, token string) {
	libLog.target.Store(&libTarget{log: log, token: token})
	libLogOnce.Do(func() { _ = tgbotapi.SetLogger(&libLog) })
}
