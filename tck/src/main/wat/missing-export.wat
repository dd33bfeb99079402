;; A person module without get_person_details: the library refuses it before running any of it,
;; with "missing export get_person_details". Exports are checked in the order the library calls
;; them, so create_person is here, with its right type, and get_person_details is the first gap.
(module
  (memory (export "memory") 1)
  (func (export "create_person") (param i32 i32) (result i32)
    unreachable))
