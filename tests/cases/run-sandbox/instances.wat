;; An instance bomb: each nested component instantiates the one before it twice, so the
;; top level creates 2^14 = 16384 empty core instances, more than the default limit.
(component $root
  (component $c0
    (core module $m)
    (core instance (instantiate $m))
  )
  (component $c1
    (alias outer $root $c0 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c2
    (alias outer $root $c1 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c3
    (alias outer $root $c2 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c4
    (alias outer $root $c3 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c5
    (alias outer $root $c4 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c6
    (alias outer $root $c5 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c7
    (alias outer $root $c6 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c8
    (alias outer $root $c7 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c9
    (alias outer $root $c8 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c10
    (alias outer $root $c9 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c11
    (alias outer $root $c10 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c12
    (alias outer $root $c11 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c13
    (alias outer $root $c12 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (component $c14
    (alias outer $root $c13 (component $c))
    (instance (instantiate $c))
    (instance (instantiate $c))
  )
  (instance (instantiate $c14))
  (core module $f
    (func (export "f") (result i32) i32.const 1)
  )
  (core instance $i (instantiate $f))
  (func (export "f") (result s32) (canon lift (core func $i "f")))
)
