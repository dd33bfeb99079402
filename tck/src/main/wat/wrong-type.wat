;; create_person with the wrong type, (i64)->i32 instead of (i32,i32)->i32: a host that called it
;; with a wasm32 pointer and an age would trap, or worse. The library refuses the module with
;; "create_person has type (i64)->i32, expected (i32,i32)->i32".
(module
  (memory (export "memory") 1)
  (func (export "create_person") (param i64) (result i32)
    unreachable))
