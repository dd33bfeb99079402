// Command personbench times the seed's Go-to-Rust round trip through cgo, as a reference for the
// Java backends. build.sh builds it twice: against libperson.so and against libperson.a.
//
// The seed ("how does Go call Rust") timed 100 calls right after the process started. This
// program times the steady state, as the JMH side does: a warm-up, then timed batches of round
// trips, each checked; it prints one JSON line whose warm_ns_per_round_trip is the median batch's
// time per round trip. The benchmark suite runs it once a round, as one member of the round (T6).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
)

// The seed's call: create_person("Alice", 30), whose details are Alice, 31.
const (
	seedName    = "Alice"
	seedAge     = 30
	wantAge     = seedAge + 1
	roundTripIs = `create_person("Alice", 30) -> get_person_details -> read name, age -> free_person x2`
)

func checkedRoundTrip() error {
	name, age, err := roundTrip(seedName, seedAge)
	if err != nil {
		return err
	}
	if name != seedName || age != wantAge {
		return fmt.Errorf("round trip returned (%q, %d), want (%q, %d)", name, age, seedName, wantAge)
	}
	return nil
}

func main() {
	warmup := flag.Int("warmup", 200_000, "round trips before the timed batches")
	batches := flag.Int("batches", 21, "timed batches; the median is reported")
	batch := flag.Int("batch", 200_000, "round trips per timed batch")
	flag.Parse()
	if *batches < 1 || *batch < 1 || *warmup < 0 {
		exitOn(fmt.Errorf("-batches and -batch must be positive, -warmup not negative"))
	}

	// Correctness before speed: the struct layout and the error example are checked once, and
	// every round trip checks its own result, so the timed loops measure a working binding.
	exitOn(checkLayout())
	code, message, err := errorMessage()
	exitOn(err)
	if code != -1 || message != "这是一个错误" {
		exitOn(fmt.Errorf("get_error_message returned (%d, %q)", code, message))
	}

	for i := 0; i < *warmup; i++ {
		exitOn(checkedRoundTrip())
	}
	liveBefore := liveAllocations()
	perTrip := make([]float64, *batches)
	for b := range perTrip {
		start := time.Now()
		for i := 0; i < *batch; i++ {
			if err := checkedRoundTrip(); err != nil {
				exitOn(err)
			}
		}
		perTrip[b] = float64(time.Since(start).Nanoseconds()) / float64(*batch)
	}
	liveAfter := liveAllocations()
	if liveAfter != liveBefore {
		exitOn(fmt.Errorf("leak: %d live Rust allocations before the timed batches, %d after", liveBefore, liveAfter))
	}

	result := map[string]any{
		"backend":                    "go-cgo",
		"link":                       linkMode,
		"go_version":                 runtime.Version(),
		"goos_goarch":                runtime.GOOS + "/" + runtime.GOARCH,
		"round_trip":                 roundTripIs,
		"warm_ns_per_round_trip":     median(perTrip),
		"warm_ns_per_round_trip_min": minOf(perTrip),
		"warm_ns_per_round_trip_max": maxOf(perTrip),
		"warm_batches":               *batches,
		"warm_batch_round_trips":     *batch,
		"warmup_round_trips":         *warmup,
		// Rust's live heap blocks: a leak per round trip would fail the check around the warm batches.
		"live_allocations_warm": liveAfter,
	}
	emit(result)
}

// emit writes v as one JSON line. (json.Encoder ends each value with a newline.)
func emit(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false) // keep "->" readable in the round_trip field
	exitOn(enc.Encode(v))
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "personbench:", err)
		os.Exit(1)
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		if x < m {
			m = x
		}
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		if x > m {
			m = x
		}
	}
	return m
}
