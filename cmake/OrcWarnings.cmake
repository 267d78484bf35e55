# orc_set_warnings(TARGET): the project's warning flags, errors when ORC_WERROR is on.
function(orc_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
  if(ORC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
