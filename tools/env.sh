# Sourced by the run scripts: quiet Mesa, give it a shader cache we own.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/webgrad-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export MESA_SHADER_CACHE_DIR="${MESA_SHADER_CACHE_DIR:-$XDG_RUNTIME_DIR/mesa-shader-cache}"
mkdir -p "$MESA_SHADER_CACHE_DIR"
