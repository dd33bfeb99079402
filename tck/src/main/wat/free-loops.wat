;; A working person module, written by hand, whose free_person never returns. It passes every
;; check, answers the real wasm32 layout, and makes and reads persons like the crate does; only
;; freeing a person spins forever. Every way of freeing one (a handle's close, a scope's close,
;; the api's close) must still end within the call timeout.
;;
;; Memory: the layout answers at 0, an empty C string at 64 (panic_message), the error message
;; at 80, and a bump allocator from 1024 that never reuses a block. A person is one block: the
;; Person struct (name pointer, age), the name's length at 8, and the name and its NUL from 12.
(module
  (memory (export "memory") 2)
  ;; abi_layout(0..10): the version (2), then the wasm32 layout of ffi.rs.
  (data (i32.const 0) "\02\00\00\00\04\00\00\00\08\00\00\00\04\00\00\00\00\00\00\00\04\00\00\00"
                      "\08\00\00\00\04\00\00\00\00\00\00\00\04\00\00\00\08\00\00\00")
  (data (i32.const 80) "free loops\00")
  (global $heap (mut i32) (i32.const 1024))
  (global $live (mut i64) (i64.const 0))
  (global $status (mut i32) (i32.const 0))

  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $block i32)
    (local.set $block (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (global.get $heap) (local.get $len)) (i32.const 7))
                               (i32.const -8)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (global.set $heap (local.get $block)) (return (i32.const 0))))
    (global.set $live (i64.add (global.get $live) (i64.const 1)))
    (local.get $block))
  (func (export "dealloc") (param i32 i32)
    (global.set $live (i64.sub (global.get $live) (i64.const 1))))

  (func $strlen (param $s i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $create (export "create_person") (param $name i32) (param $age i32) (result i32)
    (local $len i32) (local $p i32)
    (if (i32.eqz (local.get $name))
      (then (global.set $status (i32.const 1)) (return (i32.const 0))))
    (local.set $len (call $strlen (local.get $name)))
    (local.set $p (call $alloc (i32.add (local.get $len) (i32.const 13))))
    (if (i32.eqz (local.get $p))
      (then (global.set $status (i32.const 6)) (return (i32.const 0))))
    (memory.copy (i32.add (local.get $p) (i32.const 12)) (local.get $name)
                 (i32.add (local.get $len) (i32.const 1)))
    (i32.store (local.get $p) (i32.add (local.get $p) (i32.const 12)))
    (i32.store offset=4 (local.get $p) (local.get $age))
    (i32.store offset=8 (local.get $p) (local.get $len))
    (global.set $status (i32.const 0))
    (local.get $p))

  (func (export "get_person_details") (param $p i32) (result i32)
    (local $age i32)
    (if (i32.eqz (local.get $p))
      (then (global.set $status (i32.const 1)) (return (i32.const 0))))
    (local.set $age (i32.load offset=4 (local.get $p)))
    (if (i32.lt_s (local.get $age) (i32.const 18))
      (then (global.set $status (i32.const 3)) (return (i32.const 0))))
    (call $create (i32.load (local.get $p)) (i32.add (local.get $age) (i32.const 1))))

  ;; Null is a no-op, as in ffi.rs (the library calls it once with 0 when an instance starts on
  ;; some engines); any person spins forever.
  (func (export "free_person") (param $p i32)
    (if (i32.eqz (local.get $p)) (then (return)))
    (loop $forever (br $forever)))

  (func (export "get_error_message") (result i32)
    (local $e i32)
    (local.set $e (call $alloc (i32.const 8)))
    (if (i32.eqz (local.get $e))
      (then (global.set $status (i32.const 6)) (return (i32.const 0))))
    (i32.store (local.get $e) (i32.const -1))
    (i32.store offset=4 (local.get $e) (i32.const 80))
    (local.get $e))
  (func (export "free_error") (param $e i32)
    (if (local.get $e)
      (then (global.set $live (i64.sub (global.get $live) (i64.const 1))))))

  (func (export "last_status") (result i32) (global.get $status))
  (func (export "live_allocations") (result i64) (global.get $live))
  (func (export "abi_layout") (param $query i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $query) (i32.const 10))
      (then (i32.const -1))
      (else (i32.load (i32.mul (local.get $query) (i32.const 4))))))
  (func (export "panic_message") (result i32) (i32.const 64)))
