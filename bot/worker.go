package bot

import "context"

type workerKey struct{}

// withWorker returns ctx knowing the worker semaphore whose slot the handler
// holds, so that waits inside the client can give it up.
func withWorker(ctx context.Context, sem chan struct{}) context.Context {
	return context.WithValue(ctx, workerKey{}, sem)
}

// idle runs wait, which only waits, without holding the caller's worker
// slot, so that a handler waiting for pacing or a retry never keeps other
// chats' updates from running.
func idle(ctx context.Context, wait func()) {
	sem, _ := ctx.Value(workerKey{}).(chan struct{})
	if sem == nil {
		wait()
		return
	}
	<-sem
	defer func() { sem <- struct{}{} }()
	wait()
}
