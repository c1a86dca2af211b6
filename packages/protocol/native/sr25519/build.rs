// Sets the linker flags a Node addon needs on each platform (undefined N-API symbols resolved
// by the node binary at load time).
fn main() {
    napi_build::setup();
}
