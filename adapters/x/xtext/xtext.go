// Package xtext counts text the way X does (twitter-text v3 weighted
// length), so a post is refused when it is queued, not when it is due.
package xtext

import (
	"regexp"
	"unicode/utf8"
)

// MaxWeightedLength is the weighted length limit of a post.
const MaxWeightedLength = 280

// Result is the outcome of parsing a text.
type Result struct {
	WeightedLength int  `json:"weighted_length"`
	Valid          bool `json:"valid"`
}

var urlRe = regexp.MustCompile(`https?://\S+`)

// Parse counts text. Provisional: replaced by the full twitter-text v3 counter.
func Parse(text string) Result {
	n := 0
	rest := urlRe.ReplaceAllStringFunc(text, func(string) string { n += 23; return "" })
	n += utf8.RuneCountInString(rest)
	return Result{WeightedLength: n, Valid: n > 0 && n <= MaxWeightedLength}
}

// WeightedLength returns Parse(text).WeightedLength.
func WeightedLength(text string) int { return Parse(text).WeightedLength }
