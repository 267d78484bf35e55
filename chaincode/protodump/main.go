// Command protodump writes the Fabric protocol descriptors that the C++
// chaincode compiles as one serialized FileDescriptorSet. The descriptors come
// from the generated Go package of the fabric-protos module, so no Fabric
// .proto file is stored in this repository.
package main

import (
	"fmt"
	"os"
	"sort"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	_ "github.com/hyperledger/fabric-protos-go-apiv2/common"
	_ "github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	_ "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	_ "github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// The files the chaincode needs; their imports are added automatically.
var roots = []string{
	"peer/chaincode_shim.proto",
	"peer/proposal.proto",
	"peer/chaincode_event.proto",
	"msp/identities.proto",
	"common/common.proto",
	"ledger/queryresult/kv_query_result.proto",
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: protodump OUTPUT.pb")
		os.Exit(2)
	}
	seen := map[string]bool{}
	var ordered []protoreflect.FileDescriptor
	var visit func(fd protoreflect.FileDescriptor)
	visit = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			visit(imports.Get(i).FileDescriptor)
		}
		ordered = append(ordered, fd)
	}
	sorted := append([]string(nil), roots...)
	sort.Strings(sorted)
	for _, path := range sorted {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "protodump: %s: %v\n", path, err)
			os.Exit(1)
		}
		visit(fd)
	}
	set := &descriptorpb.FileDescriptorSet{}
	for _, fd := range ordered {
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(set)
	if err != nil {
		fmt.Fprintf(os.Stderr, "protodump: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], data, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "protodump: %v\n", err)
		os.Exit(1)
	}
}
