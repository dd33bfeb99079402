;; A module that calls the host back: run(n) calls env.visit(0), env.visit(1), ... until one
;; returns non-zero or n were called, and returns how many were called. It has the boundary
;; crate's exports, so it passes every check of a module from outside a binding's jar.
(module
  (import "env" "visit" (func $visit (param i32) (result i32)))
  (memory (export "memory") 17)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "dealloc") (param i32 i32))
  (func (export "last_status") (result i32) (i32.const 0))
  (func (export "live_allocations") (result i64) (i64.const 0))
  ;; ABI version 1, and no layout: every other query answers -1.
  (func (export "abi_layout") (param i32) (result i32)
    (select (i32.const 1) (i32.const -1) (i32.eqz (local.get 0))))
  (func (export "panic_message") (result i32) (i32.const 0))
  (func (export "run") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (call $visit (i32.sub (local.get $i) (i32.const 1))))
        (br $next)))
    (local.get $i)))
