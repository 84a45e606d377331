package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	fb "github.com/huandu/facebook/v2"
)

// CodeNotEnoughViewers is the code of "(#10) Not enough viewers for the
// media to show insights", Instagram's answer for a story metric under 5;
// code 10 is otherwise a missing permission.
const CodeNotEnoughViewers = CodePermission

// DefaultInsightsCalls bounds the calls ReadInsights makes to find the
// metrics Meta refuses: enough to single out, by halving, two refused
// metrics among ten without a message naming them. It is spent only when
// Meta starts refusing a metric, which is then remembered and no longer
// asked for.
const DefaultInsightsCalls = 16

// Decode turns a Graph result into v through JSON, leaving out the
// library's own keys (usage and debug information start with "__").
// Numbers stay exact: huandu/facebook keeps them as json.Number.
func Decode(res fb.Result, v any) error {
	plain := make(map[string]any, len(res))
	for k, x := range res {
		if !strings.HasPrefix(k, "__") {
			plain[k] = x
		}
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return fmt.Errorf("decode graph result: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode graph result: %w", err)
	}
	return nil
}

// insightsAnswer is the shape of GET /{id}/insights and of a video's
// video_insights: {"data":[{"name","period","values":[{"value":N}],
// "title","description","id"}]}. Instagram's account insights put the
// value in total_value instead of values.
type insightsAnswer struct {
	Data []struct {
		Name   string `json:"name"`
		Values []struct {
			Value json.RawMessage `json:"value"`
		} `json:"values"`
		TotalValue *struct {
			Value json.RawMessage `json:"value"`
		} `json:"total_value"`
	} `json:"data"`
}

// ParseInsights reads an insights answer into counts named prefix + "." +
// the metric's name ("insights.post_media_view"). A metric whose value is
// an object of counts (post_reactions_by_type_total: {"like":3,"love":1})
// gives one count per key ("insights.post_reactions_by_type_total.like").
// A metric Meta leaves out, or sends without a value, is absent: Meta
// answers an empty data set, not 0, for data it does not have. Of several
// values (a period other than lifetime) the last, the newest, is kept.
func ParseInsights(body []byte, prefix string) (map[string]int64, error) {
	var ans insightsAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("decode insights: %w", err)
	}
	out := map[string]int64{}
	for _, d := range ans.Data {
		if d.Name == "" {
			return nil, errors.New("decode insights: a metric without a name")
		}
		var v json.RawMessage
		switch {
		case len(d.Values) > 0:
			v = d.Values[len(d.Values)-1].Value
		case d.TotalValue != nil:
			v = d.TotalValue.Value
		}
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		name := prefix + "." + d.Name
		if v[0] == '{' {
			var parts map[string]json.RawMessage
			if err := json.Unmarshal(v, &parts); err != nil {
				return nil, fmt.Errorf("decode insights: %s: %w", d.Name, err)
			}
			for k, pv := range parts {
				n, err := Count(pv)
				if err != nil {
					return nil, fmt.Errorf("decode insights: %s.%s: %w", d.Name, k, err)
				}
				out[name+"."+k] = n
			}
			continue
		}
		n, err := Count(v)
		if err != nil {
			return nil, fmt.Errorf("decode insights: %s: %w", d.Name, err)
		}
		out[name] = n
	}
	return out, nil
}

// Count reads a JSON count: an integer, or a number with a fraction (an
// average watch time) rounded to the nearest integer; Graph sends some
// counts as strings of digits.
func Count(v json.RawMessage) (int64, error) {
	s := strings.Trim(string(v), `"`)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > math.MaxInt64/2 {
		return 0, fmt.Errorf("not a count: %.40s", v)
	}
	return int64(math.Round(f)), nil
}

// metricIndexRE finds "metric[2]" in "(#100) metric[2] must be one of the
// following values: …", the refusal that names a metric by its place in
// the request.
var metricIndexRE = regexp.MustCompile(`\bmetric\[([0-9]+)\]`)

// tokenRE splits a message into the words a metric name could be.
var tokenRE = regexp.MustCompile(`[a-z0-9_]+`)

// MetricRefusal reports whether err is Meta failing an insights call
// because of a metric it does not serve (code 100 with a message about a
// metric: "(#100) The value must be a valid insights metric", "(#100)
// metric[0] must be one of the following values: …", "… does not support
// the views metric for this media product type", "The metric shares is
// not supported for this media type"). named is the metric of asked the
// message names, "" when it names none or several; reason is Meta's
// message, credentials scrubbed.
func MetricRefusal(err error, asked []string) (refused bool, named, reason string) {
	ge, ok := AsError(err)
	if !ok || ge.Code != CodeInvalidParam {
		return false, "", ""
	}
	msg := strings.ToLower(ge.Message)
	if !strings.Contains(msg, "metric") {
		return false, "", ""
	}
	reason = Scrub(ge.Message)
	if m := metricIndexRE.FindStringSubmatch(msg); m != nil {
		// The message goes on with the valid names, which may include
		// asked ones: the index alone says which was refused.
		if i, err := strconv.Atoi(m[1]); err == nil && i < len(asked) {
			return true, asked[i], reason
		}
		return true, "", reason
	}
	for _, tok := range tokenRE.FindAllString(msg, -1) {
		for _, a := range asked {
			if tok != a {
				continue
			}
			if named != "" && named != a {
				return true, "", reason
			}
			named = a
		}
	}
	return true, named, reason
}

// NotEnoughViewers reports whether err is Instagram's "(#10) Not enough
// viewers for the media to show insights": the insights exist but are
// withheld for now, which refuses no metric.
func NotEnoughViewers(err error) bool {
	ge, ok := AsError(err)
	return ok && ge.Code == CodeNotEnoughViewers && strings.Contains(strings.ToLower(ge.Message), "not enough viewers")
}

// ErrInsightsRefused is returned by ReadInsights when every metric asked
// was refused one by one without the message naming any: the call itself
// is refused (insights unavailable for the object), not the metrics.
var ErrInsightsRefused = errors.New("insights refused for every metric")

// InsightsCall reads the insights of one object for the metrics given.
type InsightsCall func(metrics []string) (fb.Result, error)

// Insights is what ReadInsights learned.
type Insights struct {
	// Raw holds the counts read, as ParseInsights names them.
	Raw map[string]int64
	// Refused maps each metric Meta refused to its message.
	Refused map[string]string
	// Calls is how many calls were made.
	Calls int
}

// ReadInsights reads metrics with call, prefixing the counts with prefix,
// and copes with Meta failing a whole call over one metric: a metric the
// refusal names is dropped and the rest asked again at once; a refusal
// naming none is narrowed down by halving the set, the halves asked
// apart, down to the metric alone. At most maxCalls calls are made (0
// means DefaultInsightsCalls); metrics left unasked then are just absent.
// Every count a successful call returned is kept.
//
// An error other than a metric refusal stops the reading and is returned
// with what was read before. When the metrics were all refused one by one
// and no message named any, none is taken as refused and the error is
// ErrInsightsRefused.
func ReadInsights(metrics []string, prefix string, maxCalls int, call InsightsCall) (Insights, error) {
	if maxCalls <= 0 {
		maxCalls = DefaultInsightsCalls
	}
	out := Insights{Raw: map[string]int64{}, Refused: map[string]string{}}
	queue := [][]string{metrics}
	alone := map[string]string{} // metrics refused alone, unnamed
	read := 0                    // calls that answered
	for len(queue) > 0 && out.Calls < maxCalls {
		set := queue[0]
		queue = queue[1:]
		if len(set) == 0 {
			continue
		}
		out.Calls++
		res, err := call(set)
		if err == nil {
			var raw json.RawMessage
			if err := Decode(res, &raw); err != nil {
				return out, err
			}
			counts, err := ParseInsights(raw, prefix)
			if err != nil {
				return out, err
			}
			for k, v := range counts {
				out.Raw[k] = v
			}
			read++
			continue
		}
		refused, named, reason := MetricRefusal(err, set)
		switch {
		case !refused:
			return out, err
		case named != "":
			out.Refused[named] = reason
			rest := make([]string, 0, len(set)-1)
			for _, m := range set {
				if m != named {
					rest = append(rest, m)
				}
			}
			queue = append([][]string{rest}, queue...)
		case len(set) == 1:
			alone[set[0]] = reason
		default:
			h := len(set) / 2
			queue = append([][]string{set[:h], set[h:]}, queue...)
		}
	}
	if read == 0 && len(alone) > 1 && len(alone)+len(out.Refused) == len(metrics) {
		return out, ErrInsightsRefused
	}
	for m, reason := range alone {
		out.Refused[m] = reason
	}
	return out, nil
}
