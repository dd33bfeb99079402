;; Imports a function the binding does not declare.
(module
  (import "env" "random" (func (result i32)))
  (memory (export "memory") 17))
