/**
 * The other end of the real LanguageClient in unit tests: a vscode-jsonrpc connection on in-memory
 * streams that answers as `hotbed lsp` does (initialize with its three commands, shutdown) and
 * records what the client sends. `serverOptions` hands the client a fresh connection each start,
 * as a new server process would be. Nothing of the client is replaced; the Python server itself is
 * driven by protocol.test.ts.
 */
import { PassThrough } from 'node:stream';
import {
    createMessageConnection,
    type MessageConnection,
    StreamMessageReader,
    StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type { StreamInfo } from 'vscode-languageclient/node';
import { STATUS_NOTIFICATION } from '../src/common/constants';
import type { Status } from '../src/common/types';

/** What the Python server advertises (server/hotbed_lsp/server.py COMMANDS). */
export const SERVER_COMMANDS = ['hotbed.restart', 'hotbed.sync', 'hotbed.dump'];

export interface InitializeParams {
    initializationOptions?: { projectRoot?: string };
    capabilities: Record<string, unknown>;
}

export class PeerConnection {
    readonly requests: { method: string; params: unknown }[] = [];
    readonly notifications: { method: string; params: unknown }[] = [];
    initializeParams: InitializeParams | undefined;
    private readonly connection: MessageConnection;
    private readonly toClient = new PassThrough();
    private readonly fromClient = new PassThrough();

    constructor() {
        this.connection = createMessageConnection(
            new StreamMessageReader(this.fromClient),
            new StreamMessageWriter(this.toClient),
        );
        this.connection.onRequest((method, params) => {
            this.requests.push({ method, params });
            switch (method) {
                case 'initialize':
                    this.initializeParams = params as InitializeParams;
                    return { capabilities: { executeCommandProvider: { commands: SERVER_COMMANDS } } };
                default:
                    return null;
            }
        });
        this.connection.onNotification((method, params) => {
            this.notifications.push({ method, params });
            if (method === 'exit') {
                this.close();
            }
        });
        this.connection.listen();
    }

    get streams(): StreamInfo {
        return { reader: this.toClient, writer: this.fromClient };
    }

    /** Whether the client asked this server to shut down and exit. */
    get exited(): boolean {
        return this.notifications.some((n) => n.method === 'exit');
    }

    sendStatus(status: Status): Promise<void> {
        return this.connection.sendNotification(STATUS_NOTIFICATION, status);
    }

    /** Ends the streams, as a server process that exits does. */
    close(): void {
        this.connection.dispose();
        this.toClient.end();
    }
}

/** Language servers for the clients a test creates: one connection per start. */
export class ServerPeer {
    readonly connections: PeerConnection[] = [];

    /** `ServerOptions` for LanguageClient: each call is a new server. */
    readonly serverOptions = async (): Promise<StreamInfo> => {
        const connection = new PeerConnection();
        this.connections.push(connection);
        return connection.streams;
    };

    get last(): PeerConnection | undefined {
        return this.connections.at(-1);
    }

    dispose(): void {
        for (const connection of this.connections) {
            connection.close();
        }
    }
}
