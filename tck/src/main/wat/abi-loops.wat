;; Every export the library calls, each with its right wasm32 type, and a memory: this module
;; passes every check made before it runs. But abi_layout, which the library asks for the ABI
;; version when an instance starts, never returns. Starting an instance has a bound of its own,
;; whatever the call timeout: the library must refuse the module once that bound has passed.
(module
  (memory (export "memory") 1)
  (func (export "create_person") (param i32 i32) (result i32) unreachable)
  (func (export "get_person_details") (param i32) (result i32) unreachable)
  (func (export "free_person") (param i32) unreachable)
  (func (export "get_error_message") (result i32) unreachable)
  (func (export "free_error") (param i32) unreachable)
  (func (export "alloc") (param i32) (result i32) unreachable)
  (func (export "dealloc") (param i32 i32) unreachable)
  (func (export "last_status") (result i32) unreachable)
  (func (export "live_allocations") (result i64) unreachable)
  ;; br_if, which Chicory's interpreter does not check for interrupts by itself.
  (func (export "abi_layout") (param i32) (result i32)
    (loop $forever (br_if $forever (i32.const 1)))
    (i32.const -1))
  ;; An empty C string at address 0 of the zeroed memory.
  (func (export "panic_message") (result i32) (i32.const 0)))
