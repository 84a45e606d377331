package store

import (
	"runtime"
	"sync"
)

// splitWork cuts n items into contiguous [start, end) chunks of at least
// minChunk items, at most one per processor.
func splitWork(n, minChunk int) [][2]int {
	chunks := max(1, min(runtime.GOMAXPROCS(0), n/minChunk))
	out := make([][2]int, chunks)
	for i := range out {
		out[i] = [2]int{i * n / chunks, (i + 1) * n / chunks}
	}
	return out
}

// parallel runs fn(0) … fn(n-1) concurrently and waits for all. Encoding
// and decoding thousands of records in one call (bulk creation, a large
// claim) is CPU work worth spreading over the processors; everything that
// touches a bbolt transaction stays on the caller's goroutine.
func parallel(n int, fn func(i int)) {
	if n == 1 {
		fn(0)
		return
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { fn(i) })
	}
	wg.Wait()
}

// bufferPool recycles the large buffers bulk writes encode into: a call
// with thousands of posts fills megabytes that bbolt needs only until the
// commit, and allocating them afresh each time keeps the garbage collector
// and the page scavenger busy.
var bufferPool sync.Pool

// getBuffer returns an empty buffer with at least the given capacity.
func getBuffer(capacity int) []byte {
	if b, ok := bufferPool.Get().(*[]byte); ok && cap(*b) >= capacity {
		return (*b)[:0]
	}
	return make([]byte, 0, capacity)
}

// putBuffers returns buffers to the pool; nothing may use them afterwards.
func putBuffers(bufs [][]byte) {
	for _, b := range bufs {
		if cap(b) >= 64<<10 {
			bufferPool.Put(&b)
		}
	}
}
