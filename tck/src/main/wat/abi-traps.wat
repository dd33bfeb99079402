;; Every export the library calls, each with its right wasm32 type, and a memory: this module
;; passes every check made before it runs. But abi_layout, which the library asks for the ABI
;; version and layout when an instance starts, traps. The library must refuse the module with
;; its own IllegalArgumentException, from build() and from reload() alike, never with the
;; runtime's trap exception.
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
  (func (export "abi_layout") (param i32) (result i32) unreachable)
  ;; An empty C string at address 0 of the zeroed memory.
  (func (export "panic_message") (result i32) (i32.const 0)))
