package verifypage

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxClients bounds the clients whose limits are kept. Past it, the
// limits that are full again (clients quiet long enough) are dropped, at
// most once a second; a new client that still finds no room is refused,
// as happens only in a flood that the overall limit refuses anyway.
const maxClients = 10000

// limiter holds the rate limits: one per client and one overall.
type limiter struct {
	perClient Limit
	mu        sync.Mutex
	overall   *rate.Limiter
	clients   map[netip.Prefix]*rate.Limiter
	swept     time.Time
}

func newLimiter(perClient, overall Limit) *limiter {
	return &limiter{
		perClient: perClient,
		overall:   rate.NewLimiter(rate.Every(overall.Every), overall.Burst),
		clients:   make(map[netip.Prefix]*rate.Limiter),
	}
}

// allow takes a request of client at now from its limit and the overall
// one; if either is spent, it says how long to wait instead.
func (l *limiter) allow(client netip.Prefix, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.clients[client]
	if lim == nil {
		if len(l.clients) >= maxClients && now.Sub(l.swept) >= time.Second {
			l.swept = now
			for c, cl := range l.clients {
				if cl.TokensAt(now) >= float64(cl.Burst()) {
					delete(l.clients, c)
				}
			}
		}
		if len(l.clients) >= maxClients {
			return l.perClient.Every, false
		}
		lim = rate.NewLimiter(rate.Every(l.perClient.Every), l.perClient.Burst)
		l.clients[client] = lim
	}
	mine := lim.ReserveN(now, 1)
	if wait := mine.DelayFrom(now); wait > 0 {
		mine.CancelAt(now)
		return wait, false
	}
	all := l.overall.ReserveN(now, 1)
	if wait := all.DelayFrom(now); wait > 0 {
		all.CancelAt(now)
		mine.CancelAt(now) // a refused request costs its client nothing
		return wait, false
	}
	return 0, true
}

// client is who r counts as for the rate limits (see the package
// documentation): the remote address, or the last address of
// X-Forwarded-For if the proxy (a peer at a loopback or private address)
// sets it; an IPv4 address whole, an IPv6
// address's /64. A request whose address cannot be read counts as the
// zero Prefix, one client for all such.
func (h *handler) client(r *http.Request) netip.Prefix {
	var addr netip.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		addr = ap.Addr()
	}
	// Only a proxy can say who the client is: a peer on the same host
	// or network. A peer from the internet (the port exposed by mistake)
	// could write any address there.
	if h.o.ForwardedFor && (addr.IsLoopback() || addr.IsPrivate()) {
		if a, ok := lastForwarded(r.Header.Values("X-Forwarded-For")); ok {
			addr = a
		}
	}
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// lastForwarded is the last address of the X-Forwarded-For headers: the
// one the proxy in front appended. It may carry a port, or brackets.
func lastForwarded(values []string) (netip.Addr, bool) {
	all := strings.Join(values, ",")
	last := strings.TrimSpace(all[strings.LastIndexByte(all, ',')+1:])
	if a, err := netip.ParseAddr(strings.Trim(last, "[]")); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(last); err == nil {
		return ap.Addr(), true
	}
	return netip.Addr{}, false
}
