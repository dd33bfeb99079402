;; Imports env.visit with a type other than the binding declares: (i64)->i32.
(module
  (import "env" "visit" (func (param i64) (result i32)))
  (memory (export "memory") 17))
