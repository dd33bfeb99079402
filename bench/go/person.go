package main

// The C ABI of rust-wasm/src/ffi.rs, declared by hand as the seed did. The struct fields mirror
// `#[repr(C)] Person` and `Error`; checkLayout compares them with what the library reports.

/*
#include <stdint.h>
#include <stdlib.h>

struct Person {
    char *name;
    int32_t age;
};

struct Error {
    int32_t error_code;
    char *message;
};

extern struct Person *create_person(const char *name, int32_t age);
extern struct Person *get_person_details(struct Person *person);
extern void free_person(struct Person *person);
extern struct Error *get_error_message(void);
extern void free_error(struct Error *error);
extern int32_t last_status(void);
extern uint64_t live_allocations(void);
extern int32_t abi_layout(int32_t query);
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

func init() {
	// last_status() is thread-local in Rust, and a goroutine may move to another OS thread
	// between two cgo calls. Pinning main's goroutine keeps a null result and its status on the
	// same thread. (The seed never read a status, so it never met this.)
	runtime.LockOSThread()
}

// statusNames mirrors `Status` in rust-wasm/src/lib.rs.
var statusNames = map[int32]string{
	0: "Ok", 1: "NullPointer", 2: "InvalidUtf8", 3: "UnderAge", 4: "AgeOverflow", 5: "Panic", 6: "OutOfMemory",
}

func failure(function string) error {
	status := int32(C.last_status())
	return fmt.Errorf("%s returned null: status %d (%s)", function, status, statusNames[status])
}

// roundTrip is the seed's program body as one unit: the name as a C string, create_person,
// get_person_details, read name and age, and free everything.
//
// Two bugs of the seed's Go code are fixed here:
//   - Rust memory is freed with Rust's own functions (free_person, free_error), never with C
//     free: the seed freed the Error and its message with C.free, mixing two allocators. Only the
//     name, which C.CString allocated with malloc, goes back to C.free.
//   - No free is deferred before the nil check: the seed wrote `defer C.free_person(person)` and
//     only then tested `person == nil`. Here each pointer is freed once, after it is known valid.
func roundTrip(name string, age int32) (string, int32, error) {
	cname := C.CString(name)
	person := C.create_person(cname, C.int32_t(age))
	C.free(unsafe.Pointer(cname)) // create_person copies the name
	if person == nil {
		return "", 0, failure("create_person")
	}
	details := C.get_person_details(person)
	if details == nil {
		err := failure("get_person_details") // read the status before another call resets it
		C.free_person(person)
		return "", 0, err
	}
	C.free_person(person) // details is a deep copy; the original is no longer needed
	gotName := C.GoString(details.name)
	gotAge := int32(details.age)
	C.free_person(details)
	return gotName, gotAge, nil
}

// errorMessage is the seed's get_error_message example, freed the right way.
func errorMessage() (int32, string, error) {
	e := C.get_error_message()
	if e == nil {
		return 0, "", failure("get_error_message")
	}
	code, message := int32(e.error_code), C.GoString(e.message)
	C.free_error(e) // the seed called C.free on e.message and on e
	return code, message, nil
}

func liveAllocations() uint64 {
	return uint64(C.live_allocations())
}

// checkLayout compares cgo's view of the two structs with the layout the library was built
// with, the same check the Java side makes against the wasm module.
func checkLayout() error {
	var p C.struct_Person
	var e C.struct_Error
	want := []struct {
		query int32
		what  string
		value uintptr
	}{
		{1, "pointer size", unsafe.Sizeof(p.name)},
		{2, "Person size", unsafe.Sizeof(p)},
		{3, "Person align", unsafe.Alignof(p)},
		{4, "Person.name offset", unsafe.Offsetof(p.name)},
		{5, "Person.age offset", unsafe.Offsetof(p.age)},
		{6, "Error size", unsafe.Sizeof(e)},
		{7, "Error align", unsafe.Alignof(e)},
		{8, "Error.error_code offset", unsafe.Offsetof(e.error_code)},
		{9, "Error.message offset", unsafe.Offsetof(e.message)},
	}
	for _, w := range want {
		if got := int32(C.abi_layout(C.int32_t(w.query))); got != int32(w.value) {
			return fmt.Errorf("%s: library %d, cgo %d", w.what, got, w.value)
		}
	}
	return nil
}
