;; Every export the library calls, each with its right wasm32 type, and a memory: this module
;; passes every check made before it runs. But abi_layout(0), the ABI version, answers 7, and the
;; library speaks 2, so the first instance is refused with "ABI version 7, this library speaks 2"
;; before any person call. Only abi_layout and panic_message (read when an instance starts) run.
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
  ;; Query 0 is the version; any other query is unknown (-1), as in ffi.rs.
  (func (export "abi_layout") (param $query i32) (result i32)
    (select (i32.const 7) (i32.const -1) (i32.eqz (local.get $query))))
  ;; An empty C string at address 0 of the zeroed memory.
  (func (export "panic_message") (result i32) (i32.const 0)))
