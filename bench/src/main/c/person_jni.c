/*
 * JNI shim for the Rust crate, linked statically: libperson.a (rust-wasm/, `make native`) and this
 * file become one shared object, libperson_jni.so, as the seed linked its Go program. Each native
 * method is a straight call into the C ABI of rust-wasm/src/ffi.rs or a copy between Java arrays
 * and Rust memory; all rules live in Java (GuestPersonApi).
 *
 * The methods are bound with RegisterNatives in JNI_OnLoad, so a signature that does not match
 * the Java declarations fails when the library loads, not at the first call.
 *
 * Build: `make bench-build` (gcc -shared ... -Wl,--exclude-libs,ALL keeps Rust's symbols private).
 */
#include <jni.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* rust-wasm/src/ffi.rs. The structs stay opaque here: Java reads them through Abi.LP64. */
typedef struct Person Person;
typedef struct Error Error;
extern Person *create_person(const char *name, int32_t age);
extern Person *get_person_details(Person *person);
extern void free_person(Person *person);
extern Error *get_error_message(void);
extern void free_error(Error *error);
extern uint8_t *alloc(size_t len);
extern void dealloc(uint8_t *ptr, size_t len);
extern int32_t last_status(void);
extern uint64_t live_allocations(void);
extern int32_t abi_layout(int32_t query);
extern const char *panic_message(void);

/* Java passes addresses as jlong (64-bit); intptr_t is the lossless route to and from a pointer. */
#define PTR(type, x) ((type)(intptr_t)(x))
#define ADDR(p) ((jlong)(intptr_t)(p))

static jlong JNICALL j_create_person(JNIEnv *env, jclass cls, jlong name, jint age) {
    return ADDR(create_person(PTR(const char *, name), age));
}

static jlong JNICALL j_get_person_details(JNIEnv *env, jclass cls, jlong person) {
    return ADDR(get_person_details(PTR(Person *, person)));
}

static void JNICALL j_free_person(JNIEnv *env, jclass cls, jlong person) {
    free_person(PTR(Person *, person));
}

static jlong JNICALL j_get_error_message(JNIEnv *env, jclass cls) {
    return ADDR(get_error_message());
}

static void JNICALL j_free_error(JNIEnv *env, jclass cls, jlong error) {
    free_error(PTR(Error *, error));
}

static jlong JNICALL j_alloc(JNIEnv *env, jclass cls, jlong len) {
    return ADDR(alloc((size_t)len));
}

static void JNICALL j_dealloc(JNIEnv *env, jclass cls, jlong ptr, jlong len) {
    dealloc(PTR(uint8_t *, ptr), (size_t)len);
}

static jint JNICALL j_last_status(JNIEnv *env, jclass cls) {
    return last_status();
}

static jlong JNICALL j_live_allocations(JNIEnv *env, jclass cls) {
    return (jlong)live_allocations();
}

static jint JNICALL j_abi_layout(JNIEnv *env, jclass cls, jint query) {
    return abi_layout(query);
}

static jlong JNICALL j_panic_message(JNIEnv *env, jclass cls) {
    return ADDR(panic_message());
}

/* Copies Java bytes into Rust memory. An out-of-range length raises
 * ArrayIndexOutOfBoundsException in Java; Rust memory is not touched then. */
static void JNICALL j_write(JNIEnv *env, jclass cls, jlong address, jbyteArray bytes, jint length) {
    (*env)->GetByteArrayRegion(env, bytes, 0, length, PTR(jbyte *, address));
}

static void JNICALL j_write_byte(JNIEnv *env, jclass cls, jlong address, jbyte value) {
    *PTR(jbyte *, address) = value;
}

/* A new Java array holding `length` bytes of Rust memory; null with OutOfMemoryError pending. */
static jbyteArray JNICALL j_read(JNIEnv *env, jclass cls, jlong address, jint length) {
    jbyteArray out = (*env)->NewByteArray(env, length);
    if (out != NULL) {
        (*env)->SetByteArrayRegion(env, out, 0, length, PTR(const jbyte *, address));
    }
    return out;
}

static jint JNICALL j_read_int(JNIEnv *env, jclass cls, jlong address) {
    int32_t value;
    memcpy(&value, PTR(const void *, address), sizeof value);
    return value;
}

static jlong JNICALL j_read_pointer(JNIEnv *env, jclass cls, jlong address) {
    void *value;
    memcpy(&value, PTR(const void *, address), sizeof value);
    return ADDR(value);
}

/* The length as a jlong: Java refuses strings too long for an array, C need not know the limit. */
static jlong JNICALL j_strlen(JNIEnv *env, jclass cls, jlong address) {
    return (jlong)strlen(PTR(const char *, address));
}

static const JNINativeMethod METHODS[] = {
    {"createPerson", "(JI)J", (void *)j_create_person},
    {"getPersonDetails", "(J)J", (void *)j_get_person_details},
    {"freePerson", "(J)V", (void *)j_free_person},
    {"getErrorMessage", "()J", (void *)j_get_error_message},
    {"freeError", "(J)V", (void *)j_free_error},
    {"alloc", "(J)J", (void *)j_alloc},
    {"dealloc", "(JJ)V", (void *)j_dealloc},
    {"lastStatus", "()I", (void *)j_last_status},
    {"liveAllocations", "()J", (void *)j_live_allocations},
    {"abiLayout", "(I)I", (void *)j_abi_layout},
    {"panicMessageAddress", "()J", (void *)j_panic_message},
    {"write", "(J[BI)V", (void *)j_write},
    {"writeByte", "(JB)V", (void *)j_write_byte},
    {"read", "(JI)[B", (void *)j_read},
    {"readInt", "(J)I", (void *)j_read_int},
    {"readPointer", "(J)J", (void *)j_read_pointer},
    {"strlen", "(J)J", (void *)j_strlen},
};

/* Must match the class that declares the native methods. */
#define NATIVES_CLASS "io/github/rustjava/person/jni/JniPersonApi$Natives"

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) {
        return JNI_ERR;
    }
    jclass natives = (*env)->FindClass(env, NATIVES_CLASS);
    if (natives == NULL) {
        return JNI_ERR; /* NoClassDefFoundError is pending and reaches System.load's caller */
    }
    if ((*env)->RegisterNatives(env, natives, METHODS, sizeof METHODS / sizeof METHODS[0]) != 0) {
        return JNI_ERR; /* NoSuchMethodError is pending */
    }
    return JNI_VERSION_1_8;
}
