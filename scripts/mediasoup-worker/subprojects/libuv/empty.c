/* Intentionally empty: the worker's meson.build links "<name>_lib" targets
 * with link_whole; the real code comes from Debian's shared library. */
typedef int huddle_mediasoup_empty_translation_unit;
