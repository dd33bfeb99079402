// Command personbench times the seed's Go-to-Rust round trip through cgo, as a reference row for
// the Java backends. It is built twice by run.sh: against libperson.so and against libperson.a.
//
// The seed ("how does Go call Rust") timed 100 calls: 1.646 ms with the cdylib, 765 µs with the
// staticlib. Those 100 calls ran right after the process started, so they include first-call
// costs (page faults, lazy symbol binding in the dynamic case). This program reports that figure
// and the steady-state cost separately:
//
//	personbench -cold-only     100 round trips right after start, one JSON line, exit
//	personbench                the cold figure over -processes fresh processes of itself, then
//	                           warm batches in this process, one JSON summary line
//	personbench -hyperfine F   hyperfine's JSON export of -cold-only runs, as one JSON line
//	personbench -warm-only     the warm batches alone, one JSON line: the paired suite runs
//	                           this once a round, as one member of the round
//
// Output is one JSON object per line on stdout, so the Java report can read it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"time"
)

// The seed's call: create_person("Alice", 30), whose details are Alice, 31.
const (
	seedName    = "Alice"
	seedAge     = 30
	wantAge     = seedAge + 1
	coldTrips   = 100 // the seed's "100 calls"
	roundTripIs = `create_person("Alice", 30) -> get_person_details -> read name, age -> free_person x2`
)

type coldResult struct {
	FirstRoundTripNs     int64  `json:"first_round_trip_ns"`
	First100RoundTripsNs int64  `json:"first_100_round_trips_ns"`
	LiveAllocationsAfter uint64 `json:"live_allocations_after"`
}

// cold runs the seed's experiment. It must be the first thing the process does with the library:
// even one earlier call would bind symbols and fault in pages that the seed's figure included.
func cold() (coldResult, error) {
	var r coldResult
	start := time.Now()
	for i := 0; i < coldTrips; i++ {
		if err := checkedRoundTrip(); err != nil {
			return r, err
		}
		if i == 0 {
			r.FirstRoundTripNs = time.Since(start).Nanoseconds()
		}
	}
	r.First100RoundTripsNs = time.Since(start).Nanoseconds()
	r.LiveAllocationsAfter = liveAllocations()
	return r, nil
}

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
	processes := flag.Int("processes", 20, "fresh processes for the cold figure")
	warmup := flag.Int("warmup", 200_000, "round trips before the timed batches")
	batches := flag.Int("batches", 21, "timed batches; the median is reported")
	batch := flag.Int("batch", 200_000, "round trips per timed batch")
	coldOnly := flag.Bool("cold-only", false, "time 100 round trips right after start and exit")
	hyperfine := flag.String("hyperfine", "", "summarise hyperfine's --export-json file of -cold-only runs as one line")
	warmOnly := flag.Bool("warm-only", false, "skip the cold processes: the warm batches alone")
	flag.Parse()
	if *coldOnly {
		// Flag parsing touches nothing of the library, so the first call below is still cold.
		r, err := cold()
		exitOn(err)
		emit(r)
		return
	}
	if *hyperfine != "" {
		exitOn(summarizeHyperfine(*hyperfine))
		return
	}
	if *warmOnly {
		// A member of a paired round is compared with a warm JMH fork: the cold processes
		// would only add time, and noise for the forks that run after it.
		*processes = 0
	} else if *processes < 1 {
		exitOn(fmt.Errorf("-processes must be positive"))
	}
	if *batches < 1 || *batch < 1 || *warmup < 0 {
		exitOn(fmt.Errorf("-batches and -batch must be positive, -warmup not negative"))
	}

	// Cold: each sample is a fresh process, since only the first 100 calls of a process are cold.
	var first, first100 []int64
	var liveAfterCold uint64 // the most any cold process ended with
	for i := 0; i < *processes; i++ {
		r, err := coldChild()
		exitOn(err)
		first = append(first, r.FirstRoundTripNs)
		first100 = append(first100, r.First100RoundTripsNs)
		if r.LiveAllocationsAfter > liveAfterCold {
			liveAfterCold = r.LiveAllocationsAfter
		}
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
		// Rust's live heap blocks: a leak per round trip would fail the check around the warm
		// batches (and show as about 100 after the cold run).
		"live_allocations_warm": liveAfter,
	}
	if *processes > 0 {
		result["cold_processes"] = *processes
		result["first_100_round_trips_ns"] = median(floats(first100))
		result["first_100_round_trips_ns_min"] = minOf(floats(first100))
		result["first_100_round_trips_ns_max"] = maxOf(floats(first100))
		result["first_100_round_trips_ns_samples"] = first100
		result["first_round_trip_ns"] = median(floats(first))
		result["first_round_trip_ns_min"] = minOf(floats(first))
		result["first_round_trip_ns_max"] = maxOf(floats(first))
		result["live_allocations_after_cold"] = liveAfterCold
	}
	emit(result)
}

// coldChild runs this binary again with -cold-only and reads its JSON line.
func coldChild() (coldResult, error) {
	var r coldResult
	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	cmd := exec.Command(self, "-cold-only")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("cold run: %w", err)
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("cold run printed %q: %w", out, err)
	}
	return r, nil
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

func floats(xs []int64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
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
