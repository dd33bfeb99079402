;; Imports a memory named like the binding's host function: only functions are provided.
(module
  (import "env" "visit" (memory 1)))
