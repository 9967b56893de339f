/**
 * The durable client binding value (`BindingHelper.DurableOrchestrationClientToString`) and the
 * management URLs (`HttpApiHandler`) for this host. `rpcBaseUrl` makes every client call come to us.
 */
export interface ClientUrls {
  publicUrl: string;
  hubName: string;
}

const QS = (hub: string) => `taskHub=${encodeURIComponent(hub)}&connection=Storage&code=local`;

export function managementUrls(u: ClientUrls, instanceId: string): Record<string, string> {
  const base = `${u.publicUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}`;
  const qs = QS(u.hubName);
  return {
    id: instanceId,
    statusQueryGetUri: `${base}?${qs}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${qs}`,
    terminatePostUri: `${base}/terminate?reason={text}&${qs}`,
    rewindPostUri: `${base}/rewind?reason={text}&${qs}`,
    purgeHistoryDeleteUri: `${base}?${qs}`,
    restartPostUri: `${base}/restart?${qs}`,
    suspendPostUri: `${base}/suspend?reason={text}&${qs}`,
    resumePostUri: `${base}/resume?reason={text}&${qs}`,
  };
}

export function clientBindingJson(u: ClientUrls): string {
  const webhooks = `${u.publicUrl}/runtime/webhooks/durabletask`;
  const qs = QS(u.hubName);
  return JSON.stringify({
    taskHubName: u.hubName,
    creationUrls: {
      createNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?code=local`,
      createAndWaitOnNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=local`,
    },
    managementUrls: managementUrls(u, 'INSTANCEID'),
    baseUrl: webhooks,
    requiredQueryStringParameters: qs,
    rpcBaseUrl: `${u.publicUrl}/durabletask/`,
    httpBaseUrl: `${u.publicUrl}/`,
  });
}
