package web

import (
	"net/url"
	"strconv"
)

// uiPager links the pages of a listing shown a number of items at a time,
// the page number in a query parameter of the page's address (so several
// listings of one page page on their own). The partial "pager" shows it.
type uiPager struct {
	Page, Pages int
	Total       int
	// Prev and Next are the addresses of the neighbour pages, empty at
	// either end.
	Prev, Next string
}

// paginate returns page n of items (n read from the query parameter
// param of u, 1 when absent or out of range) and the pager linking the
// others.
func paginate[T any](u *url.URL, param string, items []T, size int) ([]T, uiPager) {
	pages := max(1, (len(items)+size-1)/size)
	n, err := strconv.Atoi(u.Query().Get(param))
	if err != nil || n < 1 || n > pages {
		n = 1
	}
	pg := uiPager{Page: n, Pages: pages, Total: len(items)}
	link := func(to int) string {
		q := u.Query()
		if to == 1 {
			q.Del(param)
		} else {
			q.Set(param, strconv.Itoa(to))
		}
		if len(q) == 0 {
			return u.Path
		}
		return u.Path + "?" + q.Encode()
	}
	if n > 1 {
		pg.Prev = link(n - 1)
	}
	if n < pages {
		pg.Next = link(n + 1)
	}
	lo := min((n-1)*size, len(items))
	return items[lo:min(lo+size, len(items))], pg
}
