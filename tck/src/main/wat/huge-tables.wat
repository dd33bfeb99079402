;; Every export the library calls, with its right type, and a memory of one page: small in every
;; way the library checked before. But it declares 20 tables of 10 million entries each, which an
;; instance allocates when it starts: about 1.6 GB of Java heap for a module of under 1 KB. The
;; library must refuse it before it makes an instance, naming its limit on tables.
(module
  (memory (export "memory") 1)
  (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref)
  (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref)
  (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref)
  (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref)
  (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref)
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
  (func (export "panic_message") (result i32) (i32.const 0)))
